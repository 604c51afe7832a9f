"""What a timetable reads from the properties of a VEVENT (see the rostering conventions).

- LOCATION: room codes, comma-separated (an escaped ``\\,`` is a comma too);
- ``X-MBO-GROUP-ID`` and ``X-MBO-STAFF-ID`` (repeatable) and ``X-MBO-COURSE-ID`` (one):
  OOAPI ids, which must be UUIDs (normalised to lower case);
- CATEGORIES: ``EXAM`` or ``LESSON``, anything else is ``OTHER``; SUMMARY: the title;
- STATUS as written (``CANCELLED`` is what matters).

An override that leaves out SUMMARY, CATEGORIES or ``X-MBO-*`` keeps the series' values:
producers write overrides for what changed. LOCATION and STATUS are always its own. What
it inherits from may be a chain, nearest first: after a ``RANGE=THISANDFUTURE`` override,
a later override reads that one before the series (:mod:`.this_and_future`).
Unusable values raise :class:`~gateway.errors.SkippableRecordError`: the series is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from icalendar import Component

from gateway.errors import SkippableRecordError

__all__ = ["Details", "details_of"]

_INHERITED = ("SUMMARY", "CATEGORIES", "X-MBO-GROUP-ID", "X-MBO-STAFF-ID", "X-MBO-COURSE-ID")


def details_of(cache: dict[int, Details], component: Component,
               *inherited: Component | None) -> Details:
    """The details of ``component`` (an override reads missing ones from ``inherited``,
    nearest first; None is skipped), read once per component into ``cache``."""
    key = id(component)
    if key not in cache:
        cache[key] = Details.read(component, *inherited)
    return cache[key]


@dataclass(frozen=True, slots=True)
class Details:
    """What an occurrence takes from its component."""

    status: str
    rooms: tuple[str, ...]
    groups: tuple[str, ...]
    staff: tuple[str, ...]
    course: str | None
    kind: str
    title: str

    @classmethod
    def read(cls, component: Component, *inherited: Component | None) -> Details:
        def get(name: str) -> Any:
            value = component.get(name)
            if name in _INHERITED:
                for source in inherited:
                    if value is not None:
                        break
                    if source is not None:
                        value = source.get(name)
            return value

        courses = _uuids(get("X-MBO-COURSE-ID"), "X-MBO-COURSE-ID")
        if len(courses) > 1:
            raise SkippableRecordError("X-MBO-COURSE-ID names more than one course")
        categories = {str(c).strip().upper() for c in _texts(get("CATEGORIES"))}
        kind = "EXAM" if "EXAM" in categories else "LESSON" if "LESSON" in categories \
            else "OTHER"
        title = " ".join(str(t).strip() for t in _texts(get("SUMMARY")) if str(t).strip())
        if not title:
            raise SkippableRecordError("SUMMARY (the lesson's title) is missing")
        return cls(status=str(component.get("STATUS", "")).strip().upper(),
                   rooms=_split(_texts(component.get("LOCATION"))),
                   groups=_uuids(get("X-MBO-GROUP-ID"), "X-MBO-GROUP-ID"),
                   staff=_uuids(get("X-MBO-STAFF-ID"), "X-MBO-STAFF-ID"),
                   course=courses[0] if courses else None, kind=kind, title=title)


def _texts(value: Any) -> list[Any]:
    """The values of a property that may be repeated; a CATEGORIES list unpacked."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[Any] = []
    for item in items:
        out.extend(item.cats if hasattr(item, "cats") else [item])
    return out


def _split(values: list[Any]) -> tuple[str, ...]:
    """Comma-separated codes, in order, without blanks and repeats."""
    codes = (code.strip() for value in values for code in str(value).split(","))
    return tuple(dict.fromkeys(code for code in codes if code))


def _uuids(value: Any, name: str) -> tuple[str, ...]:
    refs = []
    for text in _split(_texts(value)):
        try:
            refs.append(str(UUID(text)))
        except ValueError:
            raise SkippableRecordError(f"{name} {text[:64]!r} is not a UUID") from None
    return tuple(dict.fromkeys(refs))
