"""Hand-written iCalendar feeds for the importer's tests, as a timetabling system writes
them (see the rostering conventions): VTIMEZONE Europe/Amsterdam, series with RRULE,
RDATE and EXDATE, overrides with RECURRENCE-ID, ids in ``X-MBO-*``."""

from __future__ import annotations

from collections.abc import Sequence

GROUP = "7a0c7c1e-4b0e-4d55-9a51-3f2b0c9d8e11"
GROUP_2 = "8b1d8d2f-5c1f-4e66-8b62-4f3c1d0e9f22"
STAFF = "0f6f7c55-1111-4e2e-8c7f-4a4a4a4a4a4a"
COURSE = "c0c0c0c0-2222-4333-8444-555566667777"
ZONE = "Europe/Amsterdam"

VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Amsterdam
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""


def _time(name: str, value: str, zone: str | None) -> str:
    if zone is None or value.endswith("Z"):
        return f"{name}:{value}"
    if len(value) == 8:
        return f"{name};VALUE=DATE:{value}"
    return f"{name};TZID={zone}:{value}"


def vevent(
    uid: str, start: str, end: str, *, rrule: str | None = None,
    rdates: Sequence[str] = (), exdates: Sequence[str] = (), recurrence_id: str | None = None,
    location: str | None = "A1.02", groups: Sequence[str] = (GROUP,),
    staff: Sequence[str] = (STAFF,), course: str | None = None,
    categories: str | None = "LESSON", summary: str | None = "Nederlands",
    status: str | None = None, zone: str | None = ZONE, sequence: int | None = None,
    extra: Sequence[str] = (),
) -> str:
    """One VEVENT; times are local in ``zone`` (``YYYYMMDDTHHMMSS``), UTC with ``Z``,
    a date (``YYYYMMDD``), or floating with ``zone=None``."""
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260901T080000Z",
             _time("DTSTART", start, zone), _time("DTEND", end, zone)]
    if recurrence_id:
        lines.append(_time("RECURRENCE-ID", recurrence_id, zone))
    if rrule:
        lines.append(f"RRULE:{rrule}")
    lines += [_time("RDATE", value, zone) for value in rdates]
    lines += [_time("EXDATE", value, zone) for value in exdates]
    if location is not None:
        lines.append(f"LOCATION:{location}")
    lines += [f"X-MBO-GROUP-ID:{g}" for g in groups]
    lines += [f"X-MBO-STAFF-ID:{s}" for s in staff]
    if course:
        lines.append(f"X-MBO-COURSE-ID:{course}")
    if categories:
        lines.append(f"CATEGORIES:{categories}")
    if summary is not None:
        lines.append(f"SUMMARY:{summary}")
    if status:
        lines.append(f"STATUS:{status}")
    if sequence is not None:
        lines.append(f"SEQUENCE:{sequence}")
    lines += list(extra)
    lines.append("END:VEVENT")
    return "\n".join(lines)


def feed(*events: str, vtimezone: bool = True, header: Sequence[str] = ()) -> bytes:
    """A VCALENDAR of ``events`` with CRLF line ends, as bytes."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//mbo-gateway tests//rooster//NL",
             *header]
    if vtimezone:
        lines.append(VTIMEZONE)
    lines += list(events)
    lines.append("END:VCALENDAR")
    return ("\r\n".join("\n".join(lines).split("\n")) + "\r\n").encode("utf-8")
