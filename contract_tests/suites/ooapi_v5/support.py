"""Small helpers the ``ooapi-v5`` checks share: findings tied to an exchange, and reading
ids, dates and texts out of OOAPI documents without trusting their shape."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from contract_tests.checks import Finding, Severity, truncate
from contract_tests.http import NOT_JSON, Exchange

__all__ = ["Reporter", "at_pointer", "date_of", "ident", "json_reply", "problem_status",
           "reference_id", "text_of"]

_UNSET: Any = object()


@dataclass(frozen=True)
class Reporter:
    """Makes the findings of one check: ``report("msg", exchange, pointer=..., value=...)``."""

    check_id: str
    severity: Severity = Severity.ERROR

    def __call__(self, message: str, exchange: Exchange | None = None, *, pointer: str = "",
                 value: Any = _UNSET, severity: Severity | None = None,
                 source: Exchange | None = None) -> Finding:
        """A finding about ``exchange`` (its request); ``pointer`` points into ``source``
        (the reply holding the offending value) when given, else into ``exchange``."""
        where = source or exchange
        location = where.url if where is not None else ""
        if pointer:
            location = f"{location}#{pointer}"
        return Finding(
            self.check_id, message, severity or self.severity, location=location,
            value="" if value is _UNSET else truncate(value),
            request=exchange.request_line if exchange is not None else "")


def json_reply(report: Reporter, exchange: Exchange, status: int, *, problem: bool = False,
               not_json: str = "") -> Generator[Finding, None, Any]:
    """Findings for the frame of a JSON reply every OOAPI check judges alike: the status,
    the media type (``application/problem+json`` for an error object when ``problem``)
    and a body that parses (``not_json`` says what is missing when it does not).

    Returns:
        The parsed body, or ``NOT_JSON`` when there is no body to judge further.
    """
    if exchange.status != status:
        yield report(f"expected {status}, got {exchange.status}", exchange,
                     value=exchange.status)
        return NOT_JSON
    media = "application/problem+json" if problem else "application/json"
    if exchange.content_type != media:
        yield report("an error is served as application/problem+json" if problem
                     else "the body is not served as application/json", exchange,
                     value=exchange.headers.get("content-type", ""))
    body = exchange.json()
    if body is NOT_JSON:
        yield report(not_json or ("the error body is not JSON" if problem
                                  else "the body is not JSON"),
                     exchange, value=exchange.body[:200])
    return body


def problem_status(report: Reporter, exchange: Exchange, body: Any, status: int,
                   noun: str) -> Iterator[Finding]:
    """A finding when the error object (``noun``) names another status than the reply's."""
    if isinstance(body, dict) and "status" in body and str(body["status"]) != str(status):
        yield report(f"{noun}'s status says {body['status']!r}, the reply is {status}",
                     exchange, pointer="/status", value=body["status"])


def ident(document: Any, key: str) -> str | None:
    """``document[key]`` as a string, or None when absent or not a scalar."""
    if not isinstance(document, dict):
        return None
    value = document.get(key)
    return str(value) if isinstance(value, str | int) and value != "" else None


def reference_id(document: Any, key: str, id_key: str) -> str | None:
    """The id a reference field holds: OOAPI allows the id itself or the expanded object."""
    if not isinstance(document, dict):
        return None
    value = document.get(key)
    if isinstance(value, dict):
        return ident(value, id_key)
    return str(value) if isinstance(value, str) and value else None


def date_of(document: Any, key: str) -> date | None:
    """A full-date or date-time field as a date; None when absent or unreadable."""
    value = document.get(key) if isinstance(document, dict) else None
    if not isinstance(value, str):
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def text_of(document: Any, key: str) -> str:
    """A LanguageTypedString array (or plain string) as one case-folded text."""
    value = document.get(key) if isinstance(document, dict) else None
    if isinstance(value, list):
        return " ".join(str(v.get("value", "")) for v in value if isinstance(v, dict)).casefold()
    return str(value or "").casefold()


def at_pointer(document: Any, pointer: str) -> Any:
    """The value at a JSON Pointer (RFC 6901), or None when the path does not exist."""
    node = document
    for token in pointer.split("/")[1:] if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node
