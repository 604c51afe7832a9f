"""Logging that carries no personal data: JSON lines with an allow-list, and a redactor.

Two layers, because either alone is not enough:

1. The code logs ids, counts and reasons only (see ARCHITECTURE.md). Structured output
   (:class:`JsonLinesFormatter`) writes a fixed set of record attributes and only the
   ``extra`` fields in :data:`ALLOWED_FIELDS`; an exception is written as its type and
   frames, never its message (messages of foreign exceptions may echo input).
2. Defence in depth: :class:`PersonalDataFilter` rewrites every message and traceback,
   replacing what looks like personal data (e-mail addresses, dates of birth in several
   notations, phone numbers, Dutch postal codes) and the secrets URLs carry (a calendar
   feed's token) before any handler formats it. A name
   has no shape, so this layer cannot catch names: layer 1 must.

``gateway.cli.configure_logging`` calls :func:`configure`; uvicorn's own loggers then
propagate to the same handler when uvicorn is started with ``log_config=None``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

__all__ = [
    "ALLOWED_FIELDS",
    "JsonLinesFormatter",
    "PersonalDataFilter",
    "configure",
    "hide_secrets",
    "make_handler",
    "redact",
]

#: ``extra`` fields a log record may carry into the output: ids, counts, outcomes.
ALLOWED_FIELDS = frozenset({
    "tenant", "source", "kind", "entity", "person", "event_id", "topic", "seq", "count",
    "status", "method", "path", "client_id", "outcome", "attempt", "duration_ms",
})

_MONTHS = (
    "jan(?:uari|uary)?|feb(?:ruari|ruary)?|mrt|maart|mar(?:ch)?|apr(?:il)?|mei|may|"
    "jun[ei]?|jul[iy]?|aug(?:ustus|ust)?|sep(?:t|tember)?|okt(?:ober)?|oct(?:ober)?|"
    "nov(?:ember)?|dec(?:ember)?"
)

#: Secrets that travel in URL paths: a calendar feed's token is its only key (calendar
#: clients cannot send OAuth tokens), so no log line or problem may repeat it.
_SECRET_PATHS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(/calendar/)[^/\s?#\"']+(\.ics)"), r"\1{token}\2"),
)

#: (pattern, replacement), applied in order. Dates followed by a time (``2024-05-01T10:00``)
#: are timestamps of the gateway's own work and stay readable.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
     "[email]"),
    (re.compile(r"(?<![\w-])\d{4}-\d{1,2}-\d{1,2}(?![\w:-]|T\d)"), "[date]"),
    (re.compile(r"(?<![\w./-])\d{1,2}[-/.]\d{1,2}[-/.]\d{4}(?![\w/.-])"), "[date]"),
    (re.compile(r"(?<![\w-])(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?![\w-])"),
     "[date]"),
    (re.compile(rf"(?i)(?<!\w)\d{{1,2}}\s+(?:{_MONTHS})\.?\s+\d{{4}}(?!\w)"), "[date]"),
    (re.compile(r"(?<![\w+])(?:\+|00)\d{2}[\s-]?(?:\(0\)[\s-]?)?\d(?:[\s-]?\d){7,10}(?!\w)"),
     "[phone]"),
    (re.compile(r"(?<![\w.-])0\d(?:[\s-]?\d){8}(?![\w-])"), "[phone]"),
    (re.compile(r"(?<![\w-])[1-9]\d{3}\s?[A-Z]{2}(?![\w-])"), "[postal-code]"),
    *_SECRET_PATHS,
)


def hide_secrets(path: str) -> str:
    """``path`` with secrets that URLs carry replaced by their template.

    >>> hide_secrets("/calendar/Xk3-9qLm.ics")
    '/calendar/{token}.ics'
    """
    for pattern, replacement in _SECRET_PATHS:
        path = pattern.sub(replacement, path)
    return path


def redact(text: str) -> str:
    """``text`` with everything shaped like personal data replaced by a placeholder.

    >>> redact("no mail for jan@example.nl, born 2003-09-30 at 10:00 (run 2024-05-01T10:00)")
    'no mail for [email], born [date] at 10:00 (run 2024-05-01T10:00)'
    """
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class PersonalDataFilter(logging.Filter):
    """Redacts the message, its arguments and any traceback of every record it sees.

    Attach it to handlers, not loggers: a logger's filters skip records that propagate
    from its children, a handler's see them all. The record is rewritten in place, so
    handlers after this one get the redacted text too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the template, drop the arguments
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and allow-listed extras.

    An exception appears as ``{"type", "frames"}`` (``file:line in function``), without
    its message.
    """

    def __init__(self, allowed: Iterable[str] = ALLOWED_FIELDS) -> None:
        super().__init__()
        self.allowed = frozenset(allowed)

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key in sorted(self.allowed & record.__dict__.keys()):
            doc[key] = _scalar(record.__dict__[key])
        if record.exc_info and record.exc_info[1] is not None:
            doc["exception"] = _exception(record.exc_info[1])
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _scalar(value: Any) -> Any:
    """A JSON scalar for an extra field; anything else as its redacted string."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


def _exception(exc: BaseException) -> dict[str, Any]:
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        frames.append(f"{code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno} in {code.co_name}")
        tb = tb.tb_next
    return {"type": type(exc).__qualname__, "frames": frames}


def make_handler(stream: IO[str] | None = None, *, json_lines: bool = True) -> logging.Handler:
    """A stream handler with the redactor and the JSON-lines (or plain text) formatter.

    Args:
        stream: where to write; standard error by default.
        json_lines: structured output; ``False`` gives one plain line per record.

    Returns:
        The handler, ready to add to a logger.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(PersonalDataFilter())
    handler.setFormatter(
        JsonLinesFormatter() if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    return handler


def configure(level: str, *, json_lines: bool = True, stream: IO[str] | None = None) -> None:
    """Route every logger of the process through one redacting handler on the root.

    Replaces the root's handlers, makes uvicorn's loggers (which uvicorn's default
    configuration gives handlers of their own) propagate to it instead, and keeps
    SQLAlchemy's statement logging (which prints bound parameters) off at any level.

    Args:
        level: the root level, e.g. ``"INFO"``.
        json_lines: structured output (the default) or plain text.
        stream: where to write; standard error by default.
    """
    logging.basicConfig(level=level, handlers=[make_handler(stream, json_lines=json_lines)],
                        force=True)
    for name in ("uvicorn", "uvicorn.error"):  # access logs stay off (uvicorn's access_log)
        uvicorn_logger = logging.getLogger(name)
        for handler in list(uvicorn_logger.handlers):
            uvicorn_logger.removeHandler(handler)
        uvicorn_logger.propagate = True
    # SQLAlchemy logs statements with their parameters (personal data) from INFO on;
    # a DEBUG root must not switch that on.
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
