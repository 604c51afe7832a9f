"""Fault modes of calendar feeds, for the ``icalendar`` suite: mutations of the gateway's own
feed (registered through :mod:`simulators.roster_faults`, which also holds the proof).

A *feed set* maps fetch names to the bytes of successive fetches of one ``.ics`` feed, in
name order (:func:`simulators.conformant_roster.feed_fetches`). Each mutation returns a new
set with one fault; when the input lacks what the fault needs (a VEVENT, a SEQUENCE, a
second fetch) the mutation raises ``ValueError``, so a fault never silently becomes a no-op.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from contract_tests.target import Target
from simulators.faults import fault

__all__ = ["FeedSet", "write_feeds"]

FeedSet = Mapping[str, bytes]
_ICS = "icalendar"
_EVENT = re.compile(r"BEGIN:VEVENT\r?\n.*?END:VEVENT\r?\n", re.DOTALL)


def _edit_feed(feeds: FeedSet, edit: Callable[[str], str | None], what: str, *,
               index: int = 0) -> dict[str, bytes]:
    """Apply ``edit`` to fetch number ``index`` (by name); None from it means not found."""
    names = sorted(feeds)
    if len(names) <= index:
        raise ValueError(f"the feed set has no fetch #{index + 1}")
    changed = edit(feeds[names[index]].decode("utf-8"))
    if changed is None:
        raise ValueError(f"the feed holds no {what}")
    return {**feeds, names[index]: changed.encode("utf-8")}


def _first_event(text: str) -> re.Match[str] | None:
    return _EVENT.search(text)


def _in_first_event(pattern: str, replace: Callable[[re.Match[str]], str]) -> Callable[
        [str], str | None]:
    """An edit replacing the first match of ``pattern`` inside the first VEVENT."""

    def edit(text: str) -> str | None:
        event = _first_event(text)
        if event is None:
            return None
        block, found = event.group(0), re.search(pattern, event.group(0), re.MULTILINE)
        if found is None:
            return None
        block = block[:found.start()] + replace(found) + block[found.end():]
        return text[:event.start()] + block + text[event.end():]

    return edit


@fault("icalendar.no-vtimezone", _ICS, "TZID=Europe/Amsterdam used without its VTIMEZONE")
def no_vtimezone(feeds: FeedSet) -> dict[str, bytes]:
    def edit(text: str) -> str | None:
        if ";TZID=" not in text:
            return None
        stripped = re.sub(r"BEGIN:VTIMEZONE\r\n.*?END:VTIMEZONE\r\n", "", text, flags=re.DOTALL)
        return stripped if stripped != text else None

    return _edit_feed(feeds, edit, "VTIMEZONE with a TZID in use")


@fault("icalendar.missing-uid", _ICS, "a VEVENT without UID")
def missing_uid(feeds: FeedSet) -> dict[str, bytes]:
    return _edit_feed(feeds, _in_first_event(r"^UID:.*\r\n", lambda _: ""), "VEVENT UID")


@fault("icalendar.dtend-before-dtstart", _ICS, "a lesson whose DTEND lies before its DTSTART")
def dtend_before_dtstart(feeds: FeedSet) -> dict[str, bytes]:
    def edit(text: str) -> str | None:
        event = _first_event(text)
        start = re.search(r"^DTSTART([;:].*)\r\n", event.group(0), re.M) if event else None
        end = re.search(r"^DTEND([;:].*)\r\n", event.group(0), re.M) if event else None
        if event is None or start is None or end is None or start.group(1) == end.group(1):
            return None
        block = event.group(0).replace(start.group(0), "\x00")
        block = block.replace(end.group(0), f"DTEND{start.group(1)}\r\n")
        block = block.replace("\x00", f"DTSTART{end.group(1)}\r\n")
        return text[:event.start()] + block + text[event.end():]

    return _edit_feed(feeds, edit, "VEVENT with DTSTART and DTEND")


@fault("icalendar.lf-line-endings", _ICS, "lines ending in a bare LF instead of CRLF")
def lf_line_endings(feeds: FeedSet) -> dict[str, bytes]:
    return _edit_feed(feeds, lambda t: t.replace("\r\n", "\n") if "\r\n" in t else None,
                      "CRLF line ending")


@fault("icalendar.unfolded-line", _ICS, "a SUMMARY of 120 octets on one unfolded line")
def unfolded_line(feeds: FeedSet) -> dict[str, bytes]:
    long = "SUMMARY:" + "Nederlands, leesvaardigheid en schrijfvaardigheid " * 3
    return _edit_feed(feeds, _in_first_event(r"^SUMMARY:.*\r\n(?: .*\r\n)*",
                                             lambda _: long[:120] + "\r\n"), "VEVENT SUMMARY")


@fault("icalendar.invalid-status", _ICS, "a VEVENT with STATUS:SCHEDULED (not a VEVENT status)")
def invalid_status(feeds: FeedSet) -> dict[str, bytes]:
    return _edit_feed(feeds, _in_first_event(r"^STATUS:.*\r\n",
                                             lambda _: "STATUS:SCHEDULED\r\n"), "VEVENT STATUS")


@fault("icalendar.sequence-lowered", _ICS,
       "an event's SEQUENCE goes down between two fetches")
def sequence_lowered(feeds: FeedSet) -> dict[str, bytes]:
    names = sorted(feeds)
    if len(names) < 2:
        raise ValueError("the feed set holds fewer than two fetches")
    found = [(u.group(1), int(n.group(1)))
             for event in _EVENT.finditer(feeds[names[1]].decode("utf-8"))
             if (u := re.search(r"^UID:(.*)\r\n", event.group(0), re.M))
             and (n := re.search(r"^SEQUENCE:(\d+)\r\n", event.group(0), re.M))]
    if not found:
        raise ValueError("the second fetch holds no VEVENT with UID and SEQUENCE")
    uid, number = found[0]

    def edit(text: str) -> str | None:
        for event in _EVENT.finditer(text):
            if f"\r\nUID:{uid}\r\n" in event.group(0):
                block = re.sub(r"^SEQUENCE:\d+\r\n", f"SEQUENCE:{number + 1}\r\n",
                               event.group(0), count=1, flags=re.M)
                return text[:event.start()] + block + text[event.end():]
        return None

    return _edit_feed(feeds, edit, f"VEVENT {uid} also in the first fetch")


@fault("icalendar.negative-sequence", _ICS, "a VEVENT with SEQUENCE:-1")
def negative_sequence(feeds: FeedSet) -> dict[str, bytes]:
    return _edit_feed(feeds, _in_first_event(r"^SEQUENCE:.*\r\n",
                                             lambda _: "SEQUENCE:-1\r\n"), "VEVENT SEQUENCE")


@fault("icalendar.duplicate-event", _ICS, "one VEVENT listed twice (same UID, no RECURRENCE-ID)")
def duplicate_event(feeds: FeedSet) -> dict[str, bytes]:
    def edit(text: str) -> str | None:
        event = _first_event(text)
        return None if event is None else text[:event.end()] + event.group(0) + text[event.end():]

    return _edit_feed(feeds, edit, "VEVENT")


@fault("icalendar.version-1", _ICS, "VERSION:1.0 (vCalendar) instead of 2.0")
def version_one(feeds: FeedSet) -> dict[str, bytes]:
    return _edit_feed(feeds, lambda t: t.replace("\r\nVERSION:2.0\r\n", "\r\nVERSION:1.0\r\n")
                      if "\r\nVERSION:2.0\r\n" in t else None, "VERSION:2.0")


@fault("icalendar.not-parseable", _ICS, "a feed cut off before END:VCALENDAR")
def not_parseable(feeds: FeedSet) -> dict[str, bytes]:
    return _edit_feed(feeds, lambda t: t[:t.rindex("END:VEVENT")]
                      if "END:VEVENT" in t else None, "VEVENT")


def write_feeds(feeds: FeedSet, folder: Path) -> Target:
    """Write a feed set into ``folder/feed``; the ``icalendar`` target that checks it."""
    target = folder / "feed"
    target.mkdir(parents=True, exist_ok=True)
    for name, body in feeds.items():
        (target / name).write_bytes(body)
    return Target(files=target)
