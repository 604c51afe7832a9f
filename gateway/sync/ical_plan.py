"""Which series of a feed an import expands, after checking the feed as strictly as a whole.

The feed is split into its series (:mod:`gateway.adapters.icalendar.split`); a series
whose digest and window the memo (:mod:`.ical_memo`) still vouches for is *skipped*, the
others are *due*. Before anything is written, the frame and every series the memo does
not know by its digest are parsed and checked with
:func:`~gateway.adapters.icalendar.codec.parse_feed`: a feed with one broken property,
unknown zone or bad rule anywhere is refused whole, as when it was parsed at once. A
series the memo knows by digest passed those checks when it was remembered (the digest
covers the frame's zones too), so it is not parsed again just to be checked.

Memory: one series is parsed at a time; the first :data:`KEEP_PARSED` checked ones are
kept for the expansion (a day of changes is parsed once), the rest are parsed again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from gateway.adapters.icalendar.codec import ParsedFeed, parse_feed
from gateway.adapters.icalendar.split import SplitFeed, split_feed
from gateway.errors import ValidationError
from gateway.sync.ical_memo import SeriesMark

__all__ = ["DAYS_AHEAD", "DAYS_BACK", "KEEP_PARSED", "SeriesPlan", "expansion_window",
           "plan_series"]

#: The expansion window: this many days before the start of today ...
DAYS_BACK = 7
#: ... to this many days after it (a school year and a bit: next year's timetable).
DAYS_AHEAD = 400
#: Up to this many due series (or an eighth of the feed's) read only their stored rows.
PARTIAL_LOAD = 500
#: Series kept parsed between the check and the expansion.
KEEP_PARSED = 500
#: How many problems a refusal lists.
_MAX_LISTED = 20

Window = Callable[[ZoneInfo], tuple[datetime, datetime]]


@dataclass
class SeriesPlan:
    """The series of one feed and what a run does with each."""

    feed: SplitFeed
    zone: ZoneInfo
    start: datetime
    until: datetime
    #: The digest of every series, by UID.
    digests: dict[str, str]
    #: UIDs to expand (feed order), UIDs the memo vouches for, UIDs that left the feed.
    due: list[str]
    skipped: list[str]
    removed: list[str]
    #: A full run: every series expanded, every stored activity of the source compared.
    full: bool = False
    _parsed: dict[str, ParsedFeed] = field(default_factory=dict)

    def stored_uids(self, remembered: bool) -> list[str] | None:
        """The UIDs whose stored activities a run reads: the due and removed ones when they
        are few (and a memo was kept), else None: all of the source's, in one pass.

        A full run reads them all: activities of a UID the memo does not know (a run that
        stopped between writing them and saving the memo, another path writing for the
        source) are then compared too, and cancelled when the feed no longer holds them.
        """
        wanted = self.due + self.removed
        few = len(wanted) <= max(PARTIAL_LOAD, len(self.feed.series) // 8)
        return wanted if remembered and few and not self.full else None

    def parsed(self, uid: str) -> ParsedFeed:
        """The series ``uid`` parsed (kept from the check, or parsed now)."""
        kept = self._parsed.pop(uid, None)
        return kept if kept is not None else parse_feed(self.feed.calendar_of(uid))


def expansion_window(now: datetime, zone: tzinfo, *, days_back: int = DAYS_BACK,
                     days_ahead: int = DAYS_AHEAD) -> tuple[datetime, datetime]:
    """``[start of today - days_back, start of today + days_ahead)`` in ``zone``."""
    today = now.astimezone(zone).date()
    return (datetime.combine(today - timedelta(days=days_back), time(0), zone),
            datetime.combine(today + timedelta(days=days_ahead), time(0), zone))


def plan_series(body: bytes, marks: Mapping[str, SeriesMark], window: Window, *,
                full: bool) -> SeriesPlan:
    """Split and check ``body``; decide which series to expand.

    Args:
        body: the feed (already within the size cap).
        marks: the memo's series, by UID.
        window: the expansion window of the feed's zone.
        full: expand every series (the memo only spares re-checking unchanged ones).

    Returns:
        The plan.

    Raises:
        ValidationError: the feed is not valid iCalendar (the parser's reason; with
            several broken series the first one's, all of them in ``errors``).
    """
    feed = split_feed(body)
    zone = parse_feed(feed.frame_calendar()).zone
    start, until = window(zone)
    digests = {uid: feed.digest(uid) for uid in feed.series if uid}
    due, skipped = [], []
    for uid in feed.series:
        mark = marks.get(uid)
        if not full and uid and mark is not None and mark.covers(digests[uid], start, until):
            skipped.append(uid)
        else:
            due.append(uid)
    plan = SeriesPlan(feed, zone, start, until, digests, due, skipped,
                      [uid for uid in marks if uid not in feed.series], full=full)
    failures: list[ValidationError] = []
    for uid in due:
        mark = marks.get(uid)
        if uid and mark is not None and mark.digest == digests[uid]:
            continue  # checked when it was remembered
        try:
            parsed = parse_feed(feed.calendar_of(uid))
        except ValidationError as exc:
            failures.append(exc)
            continue
        if len(plan._parsed) < KEEP_PARSED and not failures:
            plan._parsed[uid] = parsed
    if failures:
        raise _refusal(failures)
    return plan


def _refusal(failures: list[ValidationError]) -> ValidationError:
    if len(failures) == 1:
        return failures[0]
    first = failures[0]
    errors = [error for failure in failures for error in failure.errors]
    return ValidationError(f"{first.message} (and {len(failures) - 1} more series refused)",
                           path=first.path, errors=errors[:_MAX_LISTED])
