"""A feed split into its series, so each can be parsed, checked and expanded on its own.

``icalendar`` turns a 10 MB whole-school feed into ~330 MB of objects; the importer
needs one series at a time (a UID: its master and its RECURRENCE-ID overrides, wherever
they are in the feed) plus what every series is read with: the calendar's properties
(``X-WR-TIMEZONE``) and its VTIMEZONEs, the *frame*. This module cuts the text, after
unfolding the content lines, at the BEGIN/END lines of the VCALENDAR's direct
components (a VALARM inside a VEVENT stays in it):

- :meth:`SplitFeed.frame_calendar`: the properties and every component but the VEVENTs,
  as a calendar of its own (checked on every run: it is small);
- :meth:`SplitFeed.calendar_of`: the frame's properties and VTIMEZONEs plus one UID's
  VEVENTs, for :func:`~gateway.adapters.icalendar.codec.parse_feed`;
- :meth:`SplitFeed.digest`: what a series is, for the import's memo: its VEVENTs without
  ``DTSTAMP`` (rewritten on every export by many systems) and the frame it is read with.

The split only looks at BEGIN, END and UID lines; every property is still read by the
parser, so a feed is exactly as valid as before. Framing it cannot follow (no
VCALENDAR first, a component left open, text after the end)
is handed to the parser for the whole feed, so the refusal carries the parser's reason.
VEVENTs without a usable UID share the UID ``""``: never remembered, always checked,
and refused there by the parser's checks ("UID is missing").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar.parser import Contentline
from icalendar.parser_tools import to_unicode
from icalendar.prop import vText

from gateway.adapters.icalendar.codec import parse_feed
from gateway.errors import ValidationError

__all__ = ["SplitFeed", "split_feed"]

#: What ``icalendar`` unfolds and splits content lines with.
_FOLD = re.compile(r"(\r?\n)+[ \t]")
_NEWLINE = re.compile(r"\r?\n")
_NAME = re.compile(r"[^:;]*")
#: Properties left out of a series' digest: rewritten on every export, meaning nothing.
_VOLATILE = frozenset({"DTSTAMP"})


@dataclass
class SplitFeed:
    """A feed cut into its frame and its series (text, unfolded, CRLF-free lines)."""

    #: The VCALENDAR's own property lines.
    header: list[str] = field(default_factory=list)
    #: The VTIMEZONE blocks (each a list of lines).
    zones: list[list[str]] = field(default_factory=list)
    #: Other components than VEVENT and VTIMEZONE (checked, never expanded).
    others: list[list[str]] = field(default_factory=list)
    #: The VEVENT blocks of every UID, in feed order.
    series: dict[str, list[list[str]]] = field(default_factory=dict)
    _frame_digest: str = ""
    _custom_zones: list[list[str]] | None = None

    def frame_calendar(self) -> bytes:
        """The calendar's properties and all its components but the VEVENTs."""
        return _calendar(self.header, [*self.zones, *self.others])

    def calendar_of(self, uid: str) -> bytes:
        """The frame's properties and VTIMEZONEs with the VEVENTs of ``uid``.

        A VTIMEZONE of an IANA zone is left out: ``icalendar`` reads such a TZID with
        ``zoneinfo`` whether or not the feed defines it, and parsing it per series would
        cost more than the series itself.
        """
        if self._custom_zones is None:
            self._custom_zones = [z for z in self.zones if not _iana(z)]
        return _calendar(self.header, [*self._custom_zones, *self.series[uid]])

    def digest(self, uid: str) -> str:
        """SHA-256 (hex) of the series ``uid`` without volatile properties, and its frame."""
        if not self._frame_digest:
            self._frame_digest = _digest(["frame", *self.header],
                                         *(["zone", *z] for z in self.zones))
        return _digest([self._frame_digest], *self.series[uid])


def split_feed(data: bytes) -> SplitFeed:
    """Cut ``data`` into its frame and series (see the module docstring).

    Raises:
        ValidationError: the feed is not framed as one VCALENDAR; the message is the
            parser's own (``not an iCalendar feed: ...``) whenever the parser refuses it.
    """
    text = to_unicode(data)  # as the parser decodes: a BOM dropped, bad bytes replaced
    lines = _NEWLINE.split(_FOLD.sub("", text))
    del text
    feed = SplitFeed()
    block: list[str] | None = None
    depth, state = 0, "before"  # before -> inside -> after
    for line in lines:
        if not line:
            continue
        head = line[:6].upper()
        if state == "before":
            if head != "BEGIN:" or line[6:].strip().upper() != "VCALENDAR":
                raise _refusal(data, "the feed does not start with BEGIN:VCALENDAR")
            state = "inside"
        elif state == "after":
            raise _refusal(data, "there is text after END:VCALENDAR")
        elif head == "BEGIN:":
            depth += 1
            if depth == 1:
                block = []
            assert block is not None  # noqa: S101 - depth > 0 always has a block
            block.append(line)
        elif head[:4] == "END:":
            if depth == 0:
                if line[4:].strip().upper() != "VCALENDAR":
                    raise _refusal(data, f"{line[:40]!r} closes no component")
                state = "after"
                continue
            assert block is not None  # noqa: S101
            block.append(line)
            depth -= 1
            if depth == 0:
                _file(feed, block)
                block = None
        elif block is not None:
            block.append(line)
        else:
            feed.header.append(line)
    if state != "after" or depth:
        raise _refusal(data, "the VCALENDAR is not closed")
    return feed


def _file(feed: SplitFeed, block: list[str]) -> None:
    name = block[0][6:].strip().upper()
    if name == "VTIMEZONE":
        feed.zones.append(block)
    elif name == "VEVENT":
        feed.series.setdefault(_uid(block), []).append(block)
    else:
        feed.others.append(block)


def _uid(block: list[str]) -> str:
    """The event's (first) UID as the parser reads it; "" when there is none to read."""
    depth = 0
    for line in block[1:]:
        head = line[:6].upper()
        if head == "BEGIN:":
            depth += 1
        elif head[:4] == "END:":
            depth -= 1
        elif depth == 0 and _NAME.match(line).group().strip().upper() == "UID":  # type: ignore[union-attr]
            try:
                _, _, value = Contentline(line).parts()  # type: ignore[no-untyped-call]
                uid = str(vText.from_ical(value))
                return uid if uid.strip() else ""
            except ValueError:
                return ""
    return ""


def _iana(zone: list[str]) -> bool:
    """Whether a VTIMEZONE block names a zone ``zoneinfo`` knows."""
    for line in zone[1:]:
        if line[:5].upper() == "TZID:" or line[:5].upper() == "TZID;":
            name = line.split(":", 1)[1].strip()
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                return False
            return True
    return False


def _digest(*blocks: Iterable[str]) -> str:
    sha = hashlib.sha256()
    for block in blocks:
        for line in block:
            if _NAME.match(line).group().strip().upper() not in _VOLATILE:  # type: ignore[union-attr]
                sha.update(line.encode())
                sha.update(b"\n")
        sha.update(b"\x00")
    return sha.hexdigest()


def _calendar(header: list[str], blocks: Iterable[list[str]]) -> bytes:
    parts = ["BEGIN:VCALENDAR", *header]
    for block in blocks:
        parts += block
    parts.append("END:VCALENDAR\r\n")
    return "\r\n".join(parts).encode()


def _refusal(data: bytes, fallback: str) -> ValidationError:
    """The parser's reason for refusing the whole feed, or ours if it does not refuse."""
    try:
        parse_feed(data)
    except ValidationError as exc:
        return exc
    return ValidationError(f"not an iCalendar feed: {fallback}", path="/")
