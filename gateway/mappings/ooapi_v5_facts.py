"""The mbo facts read from OOAPI v5 documents, each failing with the JSON Pointer of its cause.

Used by :mod:`gateway.mappings.ooapi_v5_in`. Every reader takes the document and the
pointer at which it sits in the record, so a :class:`SkippableRecordError` says exactly
which field of the raw record could not be mapped.

The facts (see ARCHITECTURE.md, "Mapping facts from the mbo profile"):

- crebo: an ``otherCodes`` entry (or the ``primaryCode``) of codeType ``crohoCreboCode``
  or ``nationalEducationCode`` holding five digits;
- leerweg: ``modeOfStudy`` ``full-time`` is BOL, ``part-time`` and ``dual training`` BBL;
- level: ``levelOfQualification`` 1-4, else ``level`` "secondary vocational education N";
- cohort and location: the offering's ``consumers`` entry. The mbo profile's
  ``nl-test-admin`` entry has ``cohort`` and ``location`` ("the location ... as provided
  to RIO", the onderwijslocatiecode); the ``rio`` entry may carry ``educationLocationCode``
  (the RIO profile puts it on the program, which is the fallback).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from gateway.domain.values import Leerweg
from gateway.errors import SkippableRecordError

__all__ = [
    "CREBO_CODE_TYPES",
    "consumer_entry",
    "crebo_of",
    "iso_date",
    "leerweg_of",
    "level_of",
    "location_of",
    "skip",
    "text_of",
]

CREBO_CODE_TYPES = ("crohoCreboCode", "nationalEducationCode")
_CREBO = re.compile(r"^\d{5}$")
_LOCATION = re.compile(r"^\d{3}X\d{3}$")
_LEERWEG = {"full-time": Leerweg.BOL, "part-time": Leerweg.BBL, "dual training": Leerweg.BBL}
_LEVEL_NAME = re.compile(r"^secondary vocational education ([1-4])$")


def skip(message: str, pointer: str, raw: Any = None) -> SkippableRecordError:
    """The error for a record that cannot be mapped (raise it)."""
    return SkippableRecordError(f"{pointer or '/'}: {message}", path=pointer, raw=raw)


def text_of(doc: Mapping[str, Any], key: str, at: str, *, required: bool = True) -> str | None:
    """The Dutch (else English, else first) value of a LanguageTypedString array."""
    values = doc.get(key)
    if not isinstance(values, list) or not values:
        if required:
            raise skip(f"{key} is missing", f"{at}/{key}")
        return None
    def rank(item: Any) -> int:
        language = str(item.get("language", "")) if isinstance(item, Mapping) else ""
        return 0 if language.startswith("nl") else 1 if language.startswith("en") else 2
    best = min(values, key=rank)
    text = best.get("value") if isinstance(best, Mapping) else None
    if not isinstance(text, str) or not text.strip():
        if required:
            raise skip(f"{key} has no text", f"{at}/{key}/{values.index(best)}")
        return None
    return text.strip()


def iso_date(doc: Mapping[str, Any], key: str, at: str, *, required: bool = False) -> date | None:
    value = doc.get(key)
    if value is None:
        if required:
            raise skip(f"{key} is missing", f"{at}/{key}")
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise skip(f"{key} is not a full-date", f"{at}/{key}") from None


def crebo_of(doc: Mapping[str, Any], at: str) -> str:
    """The crebo code of a program or education specification."""
    found: dict[str, str] = {}
    bad: str | None = None
    listed = doc.get("otherCodes")
    entries: list[Any] = listed if isinstance(listed, list) else []
    candidates = [(f"{at}/otherCodes/{i}", e) for i, e in enumerate(entries)]
    candidates.append((f"{at}/primaryCode", doc.get("primaryCode")))
    for pointer, entry in candidates:
        if not isinstance(entry, Mapping) or entry.get("codeType") not in CREBO_CODE_TYPES:
            continue
        code = str(entry.get("code", "")).strip()
        if _CREBO.match(code):
            found.setdefault(code, f"{pointer}/code")
        elif entry.get("codeType") == "crohoCreboCode" and bad is None:
            bad = f"{pointer}/code"
    if len(found) > 1:
        raise skip(f"more than one crebo code: {sorted(found)}", f"{at}/otherCodes")
    if found:
        return next(iter(found))
    if bad:
        raise skip("crohoCreboCode is not a five-digit crebo code", bad)
    raise skip("no crebo code (otherCodes of codeType crohoCreboCode or "
               "nationalEducationCode)", f"{at}/otherCodes")


def leerweg_of(program: Mapping[str, Any], at: str) -> Leerweg:
    mode = program.get("modeOfStudy")
    if mode not in _LEERWEG:
        raise skip(f"modeOfStudy {mode!r} is neither full-time (BOL) nor part-time or "
                   "dual training (BBL)", f"{at}/modeOfStudy")
    return _LEERWEG[mode]


def level_of(doc: Mapping[str, Any], at: str) -> int:
    value = doc.get("levelOfQualification")
    if value in ("1", "2", "3", "4"):
        return int(value)
    match = _LEVEL_NAME.match(str(doc.get("level", "")))
    if match:
        return int(match.group(1))
    raise skip("no mbo level 1-4 in levelOfQualification or level",
               f"{at}/levelOfQualification")


def consumer_entry(
    doc: Mapping[str, Any], consumer_key: str, at: str
) -> tuple[dict[str, Any], str] | None:
    """The ``consumers`` entry for ``consumer_key`` and its pointer, if there is one."""
    entries = doc.get("consumers")
    if not isinstance(entries, list):
        return None
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and entry.get("consumerKey") == consumer_key:
            return entry, f"{at}/consumers/{index}"
    return None


def location_of(
    offering: Mapping[str, Any], at: str, program: Mapping[str, Any], program_at: str
) -> str:
    """The onderwijslocatiecode of an offering (see the module docstring for the order)."""
    places = []
    for doc, doc_at, key, field in ((offering, at, "nl-test-admin", "location"),
                                    (offering, at, "rio", "educationLocationCode"),
                                    (program, program_at, "rio", "educationLocationCode")):
        hit = consumer_entry(doc, key, doc_at)
        if hit and hit[0].get(field) is not None:
            places.append((str(hit[0][field]).strip(), f"{hit[1]}/{field}"))
    if not places:
        raise skip("no location: the offering's nl-test-admin consumer has no 'location' "
                   "and no rio consumer has an 'educationLocationCode'", f"{at}/consumers")
    code, pointer = places[0]
    if not _LOCATION.match(code):
        raise skip("location is not an onderwijslocatiecode (\\d{3}X\\d{3})", pointer)
    return code
