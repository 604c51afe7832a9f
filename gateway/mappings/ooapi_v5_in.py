"""OOAPI v5 (mbo profile) documents -> canonical catalogue entities; pure functions.

A *record* is the unit that is mapped, quarantined and identified as a whole:

- ``{"kind": "program", "program": <Program>, "offerings": [<ProgramOffering>, ...]}``
  -> one :class:`ProgrammeOffering` per location of its offerings (a program is one crebo
  x leerweg, so this is one per (crebo, leerweg, location)), each with its
  :class:`Cohort` s (one per program offering). Build these with :func:`program_records`.
- ``{"kind": "educationSpecification", "educationSpecification": <EducationSpecification>}``
  -> a :class:`Qualification` (for ``educationSpecificationType`` ``program``; other
  types map to nothing).
- ``{"kind": "course", "course": <Course>}`` -> a :class:`Course` (a keuzedeel when it
  carries a keuzedeel code such as ``K0080``).

Source ids: programme offering ``<programId>/<onderwijslocatiecode>``, cohort
``<offeringId>``, qualification ``<educationSpecificationId>``, course ``<courseId>``.

A record that cannot be mapped raises :class:`~gateway.errors.SkippableRecordError`
whose ``path`` is the JSON Pointer of the cause in the record; :func:`identify` still
names what the record stands for, so the sync (gateway/sync/ooapi_catalogue.py) keeps
those entities' last good version.

Mapping details the record format leaves open: ``validTo`` of OOAPI is exclusive and
becomes an inclusive ``valid_until`` (one day earlier); ``valid_from`` is the program's
``validFrom``, else ``firstStartDate``, else the earliest enrolment start of its cohorts.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import gateway
from gateway.domain import Cohort, Course, Entity, ProgrammeOffering, Qualification, SourceRef
from gateway.domain.catalogue import CourseKind
from gateway.errors import SkippableRecordError
from gateway.mappings.ooapi_v5_cohort import cohort_of, create
from gateway.mappings.ooapi_v5_facts import (
    crebo_of,
    iso_date,
    leerweg_of,
    level_of,
    location_of,
    skip,
    text_of,
)

__all__ = [
    "KINDS",
    "MAPPING_VERSION",
    "identify",
    "mapping_version",
    "program_records",
    "record",
    "to_canonical",
]

#: Bump this whenever a change here (or in ooapi_v5_cohort, ooapi_v5_facts, the canonical
#: catalogue model or its ids) makes a record map to something else than before. The sync
#: remembers what each raw record became under a mapping version (gateway.__version__ plus
#: this number, see gateway/sync/ooapi_catalogue.py) and skips unchanged records; a new
#: version makes the next sync map every record again.
MAPPING_VERSION = 1

#: Parents before children, so consumers see an offering before its cohorts.
KINDS = (Qualification.kind, ProgrammeOffering.kind, Cohort.kind, Course.kind)

_KEUZEDEEL = re.compile(r"^K\d{4}$")
_HOUR_UNITS = ("sbu", "hour", "contacttime")


def mapping_version() -> str:
    """What, besides a record, decides what it maps to (part of the sync's record digests).

    ``gateway.__version__``, :data:`MAPPING_VERSION` and a fingerprint of the canonical
    catalogue model's JSON Schema, so a changed field invalidates what the sync remembers
    even when nobody bumped a number (a changed rule still needs the bump).
    """
    return f"{gateway.__version__}+ooapi-v5-in.{MAPPING_VERSION}+model.{_model_fingerprint()}"


@functools.cache
def _model_fingerprint() -> str:
    schemas = [cls.model_json_schema() for cls in (Qualification, ProgrammeOffering, Cohort,
                                                  Course)]
    return hashlib.blake2b(json.dumps(schemas, sort_keys=True).encode(),
                           digest_size=8).hexdigest()


def record(kind: str, document: dict[str, Any]) -> dict[str, Any]:
    """Wrap an education specification (``educationSpecification``) or ``course``."""
    return {"kind": kind, kind: document}


def _program_id_of(offering: Mapping[str, Any]) -> str | None:
    ref = offering.get("program")
    if isinstance(ref, Mapping):
        ref = ref.get("programId")
    return ref if isinstance(ref, str) else None


def program_records(
    programs: Iterable[dict[str, Any]], offerings: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Group program offerings under their program, one record per program.

    Offerings whose program is not among ``programs`` become records without a program,
    so the sync quarantines them rather than losing them silently.
    """
    by_program: dict[str | None, list[dict[str, Any]]] = {}
    for offering in offerings:
        by_program.setdefault(_program_id_of(offering), []).append(offering)
    out: list[dict[str, Any]] = []
    for program in programs:
        pid = program.get("programId")
        out.append({"kind": "program", "program": program,
                    "offerings": by_program.pop(pid if isinstance(pid, str) else None, [])})
    for pid, orphans in by_program.items():
        orphan: dict[str, Any] = {"kind": "program", "program": None, "programId": pid,
                                  "offerings": orphans}
        out.append(orphan)
    return out


def to_canonical(tenant: str, source_system: str, raw: dict[str, Any]) -> list[Entity]:
    """Map one record (see the module docstring) to canonical entities.

    Raises:
        SkippableRecordError: the record cannot be mapped; ``path`` points at the cause.
    """
    kind = raw.get("kind")
    try:
        if kind == "program":
            return _programme_offerings(tenant, source_system, raw)
        if kind == "educationSpecification":
            return _qualification(tenant, source_system, raw)
        if kind == "course":
            return [_course(tenant, source_system, raw)]
        raise skip(f"unknown record kind {kind!r}", "/kind")
    except SkippableRecordError as exc:
        exc.raw = raw if exc.raw is None else exc.raw
        raise


def identify(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """The (kind, source id) pairs a record stands for, even when it does not map.

    Raises:
        ValueError: the record does not say (an offering without id or location), so
            the sync must not delete anything this run.
    """
    kind = raw.get("kind")
    if kind == "educationSpecification":
        return [(Qualification.kind, str(raw[kind]["educationSpecificationId"]))]
    if kind == "course":
        return [(Course.kind, str(raw[kind]["courseId"]))]
    if kind != "program":
        raise ValueError(f"unknown record kind {kind!r}")
    found = raw.get("program")
    program: dict[str, Any] = found if isinstance(found, dict) else {}
    pid = program.get("programId") or raw.get("programId")
    if not pid:
        raise ValueError("program record without a programId")
    pairs: list[tuple[str, str]] = []
    for i, offering in enumerate(raw.get("offerings") or []):
        try:
            location = location_of(offering, f"/offerings/{i}", program, "/program")
        except SkippableRecordError as exc:
            raise ValueError(exc.message) from exc
        pairs.append((ProgrammeOffering.kind, f"{pid}/{location}"))
        pairs.append((Cohort.kind, str(offering["offeringId"])))
    return list(dict.fromkeys(pairs))


def _programme_offerings(tenant: str, system: str, raw: dict[str, Any]) -> list[Entity]:
    program = raw.get("program")
    if not isinstance(program, dict):
        raise skip("offerings of a program that the source does not list", "/program")
    at = "/program"
    pid = program.get("programId")
    if not isinstance(pid, str) or not pid:
        raise skip("programId is missing", f"{at}/programId")
    facts: dict[str, Any] = {
        "crebo": crebo_of(program, at),
        "leerweg": leerweg_of(program, at),
        "level": level_of(program, at),
        "name": text_of(program, "name", at),
        "description": text_of(program, "description", at, required=False),
        "language": str(program.get("teachingLanguage", "nld")).upper(),
    }
    valid_to = iso_date(program, "validTo", at)
    starts = iso_date(program, "validFrom", at) or iso_date(program, "firstStartDate", at)
    offerings = raw.get("offerings") or []
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for i, offering in enumerate(offerings):
        if not isinstance(offering, dict):
            raise skip("an offering must be an object", f"/offerings/{i}")
        location = location_of(offering, f"/offerings/{i}", program, at)
        groups.setdefault(location, []).append((i, offering))
    entities: list[Entity] = []
    for location, members in sorted(groups.items()):
        cohorts_at = [(i, o, f"/offerings/{i}") for i, o in members]
        earliest = _earliest_start(cohorts_at)
        valid_from = starts or earliest
        if valid_from is None:
            raise skip("no validFrom, firstStartDate or offering dates", f"{at}/validFrom")
        offering_entity = create(
            ProgrammeOffering, at, {"valid_from": f"{at}/validFrom",
                                         "valid_until": f"{at}/validTo", "name": f"{at}/name",
                                         "description": f"{at}/description"},
            tenant=tenant, source=SourceRef(system=system, id=f"{pid}/{location}"),
            location=location, valid_from=valid_from,
            valid_until=valid_to - timedelta(days=1) if valid_to else None, **facts)
        entities.append(offering_entity)
        seen: dict[str, str] = {}
        for _, offering, pointer in cohorts_at:
            cohort = cohort_of(tenant, system, offering, pointer, program, offering_entity.id)
            if cohort.code in seen:
                raise skip(f"cohort {cohort.code!r} appears twice at location {location} "
                           f"(also {seen[cohort.code]})", pointer)
            seen[cohort.code] = pointer
            entities.append(cohort)
    return entities


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _earliest_start(cohorts: Sequence[tuple[int, dict[str, Any], str]]) -> date | None:
    days = [iso_date(o, "enrollStartDate", at) or iso_date(o, "startDate", at)
            for _, o, at in cohorts]
    known = [d for d in days if d is not None]
    return min(known) if known else None


def _qualification(tenant: str, system: str, raw: dict[str, Any]) -> list[Entity]:
    spec = raw.get("educationSpecification")
    at = "/educationSpecification"
    if not isinstance(spec, dict) or not spec.get("educationSpecificationId"):
        raise skip("educationSpecificationId is missing", at)
    if spec.get("educationSpecificationType") != "program":
        return []
    return [create(
        Qualification, at, {"name": f"{at}/name"},
        tenant=tenant, source=SourceRef(system=system, id=str(spec["educationSpecificationId"])),
        crebo=crebo_of(spec, at), name=text_of(spec, "name", at), level=level_of(spec, at))]


def _course(tenant: str, system: str, raw: dict[str, Any]) -> Course:
    course = raw.get("course")
    at = "/course"
    if not isinstance(course, dict) or not course.get("courseId"):
        raise skip("courseId is missing", at)
    primary: dict[str, Any] = _object(course.get("primaryCode"))
    codes: Sequence[Any] = [primary, *(course.get("otherCodes") or [])]
    keuzedeel = next((str(c["code"]) for c in codes
                      if isinstance(c, Mapping) and _KEUZEDEEL.match(str(c.get("code", "")))),
                     None)
    code = keuzedeel or primary.get("code")
    if not code:
        raise skip("primaryCode is missing", f"{at}/primaryCode")
    load = _object(course.get("studyLoad"))
    hours = load.get("value") if load.get("studyLoadUnit") in _HOUR_UNITS else None
    return create(
        Course, at, {"code": f"{at}/primaryCode/code", "name": f"{at}/name",
                     "study_load_hours": f"{at}/studyLoad/value"},
        tenant=tenant, source=SourceRef(system=system, id=str(course["courseId"])),
        course_kind=CourseKind.KEUZEDEEL if keuzedeel else CourseKind.MODULE,
        code=code, name=text_of(course, "name", at),
        study_load_hours=round(hours) if isinstance(hours, int | float) else None)
