"""The OOAPI v5 documents a user hands to the tools, and which official schema each part has.

Accepted shapes (JSON):

- one object of the spec (a Program, an Offering, a Course, ...), told apart by its id key
  (``programId``, ``offeringId``, ...);
- a page of a list (``pageNumber`` ... ``items``), as a server returns it;
- a bundle ``{"programs": [...], "offerings": [...], "courses": [...],
  "educationSpecifications": [...]}`` where each list may also be a page; this is what
  ``gateway translate`` reads: programs with their program offerings.

    parts = document_parts(read_json(data))   -> [(pointer, schema name or None, object)]
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from gateway.errors import ValidationError

__all__ = ["BUNDLE_KEYS", "MAX_JSON_BYTES", "document_parts", "read_json", "schema_of"]

#: Largest document the tools read (a catalogue of 10,000 offerings is about 40 MiB).
MAX_JSON_BYTES = 64 * 1024 * 1024
#: Bundle key -> the official schema of its items.
BUNDLE_KEYS = {
    "programs": "Program",
    "offerings": "Offering",
    "courses": "Course",
    "educationSpecifications": "EducationSpecification",
}
#: Top-level id key -> official schema; the first match wins (an association names an
#: offering, so it is tried before the offering).
_ID_KEYS = (
    ("associationId", "Association"), ("resultId", "Result"), ("offeringId", "Offering"),
    ("programId", "Program"), ("courseId", "Course"), ("componentId", "Component"),
    ("educationSpecificationId", "EducationSpecification"), ("personId", "Person"),
    ("organizationId", "Organization"), ("academicSessionId", "AcademicSession"),
    ("groupId", "Group"), ("roomId", "Room"), ("buildingId", "Building"),
    ("newsFeedId", "NewsFeed"), ("newsItemId", "NewsItem"),
)
_PAGE_KEYS = {"pageNumber", "items"}


def read_json(data: bytes, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parse a JSON document, refusing oversized ones before parsing.

    Raises:
        ValidationError: too large, not UTF-8, or not JSON (with line and column).
    """
    if len(data) > max_bytes:
        raise ValidationError(f"JSON document of {len(data)} bytes is larger than {max_bytes}")
    try:
        return json.loads(data)
    except UnicodeDecodeError as exc:
        raise ValidationError(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            path=f"line {exc.lineno}",
        ) from exc


def schema_of(document: Any) -> str | None:
    """The official schema of one OOAPI object, from its id key; None when it cannot tell."""
    if not isinstance(document, dict):
        return None
    for key, schema in _ID_KEYS:
        if key in document:
            return schema
    if {"contactEmail", "specification"} <= set(document):
        return "Service"
    return None


def _items(value: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict) and set(value) >= _PAGE_KEYS and isinstance(value["items"], list):
        value, pointer = value["items"], f"{pointer}/items"
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{pointer}/{index}", item
    else:
        yield pointer, value


def document_parts(document: Any) -> list[tuple[str, str | None, Any]]:
    """Split a document into its OOAPI objects: ``(JSON Pointer, schema name, object)``.

    A page yields a ``Pagination`` part for its envelope and a part per item; a bundle a
    part per item of each list; any other object itself. The schema is None where no
    official schema can be told apart.
    """
    parts: list[tuple[str, str | None, Any]] = []
    if isinstance(document, dict) and set(document) & set(BUNDLE_KEYS) and not schema_of(
            document):
        for key in (k for k in BUNDLE_KEYS if k in document):
            for pointer, item in _items(document[key], f"/{key}"):
                parts.append((pointer, BUNDLE_KEYS[key], item))
        return parts
    if isinstance(document, dict) and set(document) >= _PAGE_KEYS:
        envelope = {**document, "items": []}
        parts.append(("", "Pagination", envelope))
        for pointer, item in _items(document, ""):
            parts.append((pointer, schema_of(item), item))
        return parts
    return [("", schema_of(document), document)]
