"""The school years (OneRoster academicSessions) of a tenant, each with its modification time.

School years are no entities: they are derived from the groups' dates. A delta consumer
(``filter=dateLastModified>...``, a delta CSV bundle) must still see a year that appears,
so a year's ``dateLastModified`` is the latest ``updated_at`` of the groups that run in it
(a new, moved or deleted group bumps the years it touches). A year that a group without
an end date reaches only because today did (1 August) gets no modification of that group,
so such a year is no older than its own 1 August.

One grouped query over the tenant's groups (its (tenant, kind) index): the distinct
date ranges with their latest modification, a handful of rows for any school size.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, func, select

from gateway.adapters.oneroster.json_fields import JsonText
from gateway.mappings.oneroster_v1p2 import school_years
from gateway.store.tables import entities

__all__ = ["school_year_times"]


def _day(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def school_year_times(engine: Engine, tenant: str, today: date) -> dict[int, datetime]:
    """The tenant's school years (by the year they end in) and when each last changed.

    Args:
        engine: the store's engine.
        tenant: whose groups.
        today: the day an open start or end of a group counts as.

    Returns:
        ``{year: dateLastModified}``, aware datetimes in UTC.
    """
    start, end = JsonText(entities.c.state, "valid_from"), JsonText(entities.c.state,
                                                                     "valid_until")
    query = (select(start, end, func.max(entities.c.updated_at))
             .where(entities.c.tenant == tenant, entities.c.kind == "group")
             .group_by(start, end))
    times: dict[int, datetime] = {}
    with engine.connect() as conn:
        ranges = list(conn.execute(query))
    for raw_start, raw_end, latest in ranges:
        first, last = _day(raw_start), _day(raw_end)
        for year in school_years(first, last, today):
            modified = _aware(latest)
            if first is None or last is None:  # the range moves with today
                modified = max(modified, datetime(year - 1, 8, 1, tzinfo=UTC))
            times[year] = max(times.get(year, modified), modified)
    return times
