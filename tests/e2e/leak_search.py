"""Searching everything the gateway emitted for the personal data of known persons.

A *needle* is one personal value of one person (a name, an e-mail address, a birth date
in one notation, ...), searched case-insensitively and also in the forms it takes when
escaped in JSON or encoded in a URL. A *haystack* is one emitted thing: an event (outbox
row or Kafka record), a log line, an error response body. :class:`LeakSearch` collects
the haystacks and reports every needle found in one.

:func:`capture_logs` records every log record of the process at DEBUG, as the raw
message, extra attributes and traceback text *before* any redaction: the test proves
that the code logs no personal data, not merely that a filter would hide its shape.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote, quote_plus

__all__ = ["Finding", "LeakSearch", "LogCapture", "Needle", "capture_logs", "needles_of"]

_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime"}


@dataclass(frozen=True)
class Needle:
    person: str
    what: str
    value: str

    def forms(self) -> set[str]:
        """The value as written, JSON-escaped and URL-encoded, case-folded."""
        text = self.value
        return {f.casefold() for f in (text, json.dumps(text)[1:-1], quote(text),
                                       quote_plus(text)) if f}



def _date_forms(day: date) -> list[str]:
    months = ("january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december")
    dutch = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december")
    return [day.isoformat(), day.strftime("%d-%m-%Y"), day.strftime("%d/%m/%Y"),
            day.strftime("%d.%m.%Y"), day.strftime("%Y%m%d"), day.strftime("%m/%d/%Y"),
            f"{day.day} {months[day.month - 1]} {day.year}",
            f"{day.day} {dutch[day.month - 1]} {day.year}"]


def needles_of(person: str, *, names: Iterable[str] = (), email: str | None = None,
               birth_date: date | None = None, address: Iterable[str] = (),
               phones: Iterable[str] = ()) -> list[Needle]:
    """Every needle of one person; phones also without spaces and dashes."""
    needles = [Needle(person, "name", n) for n in names if n]
    if email:
        needles.append(Needle(person, "email", email))
    if birth_date:
        needles += [Needle(person, "birth date", f) for f in _date_forms(birth_date)]
    needles += [Needle(person, "address", a) for a in address if a]
    for phone in phones:
        needles += [Needle(person, "phone", phone),
                    Needle(person, "phone", phone.replace(" ", "").replace("-", ""))]
    return needles


@dataclass(frozen=True)
class Finding:
    kind: str
    where: str
    needle: Needle
    excerpt: str

    def __str__(self) -> str:
        return (f"{self.kind} {self.where}: {self.needle.what} of {self.needle.person} "
                f"({self.needle.value!r}) in ...{self.excerpt}...")


@dataclass
class LeakSearch:
    """Haystacks by kind; :meth:`findings` searches them all for all needles."""

    needles: list[Needle]
    haystacks: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, kind: str, where: str, text: str) -> None:
        self.haystacks.append((kind, where, text))

    def counts(self) -> Counter[str]:
        return Counter(kind for kind, _, _ in self.haystacks)

    def findings(self) -> list[Finding]:
        """Each (haystack, needle) pair where some form of the needle occurs in the haystack.

        One pass per haystack: every form of every needle in one alternation, longest
        first, bounded so that a value inside a longer word or number does not count
        (``Eva`` is not in ``evaluation``).
        """
        by_form: dict[str, list[Needle]] = {}
        for needle in self.needles:
            for form in needle.forms():
                by_form.setdefault(form, []).append(needle)
        alternatives = "|".join(re.escape(f) for f in sorted(by_form, key=len, reverse=True))
        pattern = re.compile(rf"(?<![0-9a-z])(?:{alternatives})(?![0-9a-z])")
        found = []
        for kind, where, text in self.haystacks:
            folded = text.casefold()
            seen: set[Needle] = set()
            for match in _overlapping(pattern, folded):
                for needle in by_form[match.group()]:
                    if needle not in seen:
                        seen.add(needle)
                        excerpt = folded[max(0, match.start() - 60): match.end() + 60]
                        found.append(Finding(kind, where, needle, excerpt))
        return found

    def report(self) -> str:
        counts = self.counts()
        findings = self.findings()
        lines = [f"searched {sum(counts.values())} haystacks for {len(self.needles)} needles: "
                 + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())),
                 f"findings: {len(findings)}"]
        return "\n".join(lines + [f"  {f}" for f in findings])


def _overlapping(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match, also those that start inside an earlier one (a name in a full name)."""
    position = 0
    while (match := pattern.search(text, position)) is not None:
        yield match
        position = match.start() + 1


class LogCapture(logging.Handler):
    """Keeps the full text of every record: message, extras, traceback, stack."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.saved_levels: dict[logging.Logger, int] = {}
        self.attached: list[logging.Logger] = []

    def rescan(self) -> None:
        """Every logger to DEBUG, and this handler on each one that does not propagate but
        has handlers of its own (one without handlers writes nowhere: uvicorn's switched-off
        access log, which a handler here would switch on)."""
        for name, logger in list(logging.Logger.manager.loggerDict.items()):
            if not isinstance(logger, logging.Logger) or name.startswith("sqlalchemy"):
                continue
            if logger.level not in (logging.NOTSET, logging.DEBUG):
                self.saved_levels.setdefault(logger, logger.level)
                logger.setLevel(logging.DEBUG)
            if not logger.propagate and logger.handlers and self not in logger.handlers:
                logger.addHandler(self)
                self.attached.append(logger)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a broken format: keep what there is
            message = f"{record.msg!r} % {record.args!r}"
        parts = [record.name, record.levelname, message]
        parts += [f"{k}={v!r}" for k, v in vars(record).items() if k not in _STANDARD_ATTRS]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        self.lines.append(" ".join(parts))


@contextmanager
def capture_logs() -> Iterator[LogCapture]:
    """Every logger of the process at DEBUG into one :class:`LogCapture`, then restore.

    Loggers that do not propagate (uvicorn's, for one) get the handler too; call
    :meth:`LogCapture.rescan` after starting something that configures logging (uvicorn
    with its default configuration turns propagation off again). SQLAlchemy's logger keeps
    the level the gateway pins (its statement echo is an operator's debug switch, off in
    :func:`gateway.logging.configure`).
    """
    capture = LogCapture()
    root = logging.getLogger()
    root.addHandler(capture)
    capture.saved_levels[root] = root.level
    capture.attached.append(root)
    root.setLevel(logging.DEBUG)
    capture.rescan()
    try:
        yield capture
    finally:
        for logger in capture.attached:
            logger.removeHandler(capture)
        for logger, level in capture.saved_levels.items():
            logger.setLevel(level)
        capture.close()
