"""The ``format`` values of OOAPI v5 that are checked, and how.

OOAPI uses ``date``, ``date-time``, ``uuid``, ``email``, ``uri`` and numeric formats
(``int32``, ``double``). Dates, date-times and UUIDs carry meaning the gateway relies on
(ids, cohort dates), so they are checked; ``email`` is checked loosely (an ``@``), as
jsonschema does; ``uri`` and the numeric formats are annotations only.
"""

from __future__ import annotations

from datetime import datetime

from jsonschema import FormatChecker

__all__ = ["FORMAT_CHECKER"]

FORMAT_CHECKER = FormatChecker(formats=("date", "uuid", "email"))


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    """RFC 3339 date-time: a date, ``T``, a time and a zone (``Z`` or an offset)."""
    if not isinstance(value, str):
        return True
    if "T" not in value.upper() or len(value) < 20:
        return False
    parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return parsed.tzinfo is not None
