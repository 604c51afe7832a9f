"""The ``.ics`` feed under test, read from files or fetched over HTTP, and its content lines.

A target is either the feed's URL (``--base-url``: calendar feeds carry their secret in the
URL, so no OAuth) or ``--files``: one ``.ics`` file, or a folder of them taken in name order
as successive fetches of one feed (``01-monday.ics``, ``02-tuesday.ics``), which is what the
SEQUENCE rule compares. Over HTTP the suite fetches the feed, asks again with its validator
(``If-None-Match`` or ``If-Modified-Since``) and fetches it once more: two snapshots, one
conditional exchange, three requests in all.

Each snapshot is parsed by the ``icalendar`` library (the parser's reason is what the
parse check reports); the line checks read the raw octets, since a parser forgives what a
strict client refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from icalendar import Calendar, Component

from contract_tests.checks import NotApplicable
from contract_tests.http import Exchange, HttpRecorder
from contract_tests.target import Target, TargetError

__all__ = ["ContentLine", "IcsContext", "Snapshot", "content_lines", "make_context"]

_ACCEPT = {"Accept": "text/calendar"}


@dataclass(frozen=True)
class ContentLine:
    """One unfolded content line (RFC 5545 3.1): its first physical line number and text."""

    number: int
    text: str

    @property
    def name_and_params(self) -> str:
        """The part before the value: ``DTSTART;TZID=Europe/Amsterdam`` (quoted colons kept)."""
        quoted = False
        for at, char in enumerate(self.text):
            if char == '"':
                quoted = not quoted
            elif char == ":" and not quoted:
                return self.text[:at]
        return self.text


@dataclass
class Snapshot:
    """One fetch of the feed: its bytes, where it came from, and what the parser made of it."""

    name: str
    data: bytes
    request: str
    calendar: Calendar | None = None
    parse_error: str | None = None

    def events(self) -> Iterator[tuple[str, Component]]:
        """Each VEVENT with a location naming it: ``feed.ics VEVENT #3 UID=...``."""
        if self.calendar is None:
            return
        for number, event in enumerate(self.calendar.walk("VEVENT"), start=1):
            uid = event.get("UID")
            yield f"{self.name} VEVENT #{number}" + (f" UID={uid}" if uid else ""), event


@dataclass
class IcsContext:
    """What the checks share: the snapshots in order and, over HTTP, the exchanges."""

    snapshots: list[Snapshot]
    fetches: list[Exchange] = field(default_factory=list)
    conditional: Exchange | None = None
    recorder: HttpRecorder | None = None

    @property
    def over_http(self) -> bool:
        return bool(self.fetches)

    def read(self) -> list[Snapshot]:
        """The snapshots a document rule is tested on.

        Raises:
            NotApplicable: no fetch answered 200 (``icalendar.http.ok`` reports the answers).
        """
        if not self.snapshots:
            raise NotApplicable("no snapshot of the feed was read: no fetch answered 200 "
                                "(icalendar.http.ok reports the answers)")
        return self.snapshots

    def parsed(self) -> list[Snapshot]:
        """The snapshots that parse, for the rules about their content.

        Raises:
            NotApplicable: none was read, or none parses (``icalendar.document.parses``).
        """
        found = [snapshot for snapshot in self.read() if snapshot.calendar is not None]
        if not found:
            raise NotApplicable("no snapshot of the feed parses as iCalendar "
                                "(icalendar.document.parses reports why)")
        return found

    def events(self) -> list[tuple[Snapshot, str, Component]]:
        """(snapshot, where, VEVENT) of every event of every parsed snapshot.

        Raises:
            NotApplicable: no snapshot parses, or none holds a VEVENT.
        """
        found = [(snapshot, where, event) for snapshot in self.parsed()
                 for where, event in snapshot.events()]
        if not found:
            raise NotApplicable("the feed holds no VEVENT")
        return found

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()


def content_lines(data: bytes) -> list[ContentLine]:
    """The unfolded content lines of a document (CRLF or bare LF ends, as found)."""
    text = data.decode("utf-8", errors="replace")
    lines: list[ContentLine] = []
    for number, physical in enumerate(re.split(r"\r?\n", text), start=1):
        if physical[:1] in (" ", "\t") and lines:
            last = lines[-1]
            lines[-1] = ContentLine(last.number, last.text + physical[1:])
        elif physical:
            lines.append(ContentLine(number, physical))
    return lines


def parse(name: str, data: bytes, request: str) -> Snapshot:
    """A snapshot of ``data``; a document the library refuses keeps the reason why."""
    snapshot = Snapshot(name, data, request)
    try:
        snapshot.calendar = Calendar.from_ical(data)
    except Exception as exc:  # noqa: BLE001 - any refusal of the parser is the finding
        snapshot.parse_error = f"{type(exc).__name__}: {exc}"
    return snapshot


def _from_files(path: Path) -> list[Snapshot]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*.ics") if p.is_file())
    if not files:
        raise TargetError(f"{path} holds no .ics file")
    try:
        return [parse(str(f.relative_to(path) if f != path else f.name), f.read_bytes(),
                      str(f)) for f in files]
    except OSError as exc:
        raise TargetError(f"cannot read {path}: {exc}") from exc


def _conditional_headers(first: Exchange) -> dict[str, str] | None:
    etag, modified = first.headers.get("etag"), first.headers.get("last-modified")
    if etag:
        return {**_ACCEPT, "If-None-Match": etag}
    if modified:
        return {**_ACCEPT, "If-Modified-Since": modified}
    return None


def _over_http(target: Target) -> IcsContext:
    url = target.require_base_url()
    recorder = HttpRecorder(url, timeout=float(target.option("timeout", "30") or 30))
    try:
        first = recorder.request("GET", url, authenticated=False, headers=_ACCEPT)
        validators = _conditional_headers(first) if first.status == 200 else None
        conditional = (recorder.request("GET", url, authenticated=False, headers=validators)
                       if validators else None)
        second = recorder.request("GET", url, authenticated=False, headers=_ACCEPT)
    except BaseException:
        recorder.close()
        raise
    fetches = [first, second]
    snapshots = [parse(f"fetch {n}", e.body, e.request_line)
                 for n, e in enumerate(fetches, start=1) if e.status == 200]
    return IcsContext(snapshots, fetches, conditional, recorder)


def make_context(target: Target) -> IcsContext:
    """The snapshots of ``target``: its files, else its URL.

    Raises:
        TargetError: neither is given, the files are missing, or the URL is unreachable.
    """
    if target.files is not None:
        return IcsContext(_from_files(target.require_files()))
    if target.base_url:
        return _over_http(target)
    raise TargetError("the icalendar suite needs the feed's URL (--base-url) or --files")
