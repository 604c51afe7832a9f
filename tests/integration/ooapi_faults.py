"""Named faults for an OOAPI endpoint, to prove the ``ooapi-v5`` contract suite sees them.

:func:`faulty` wraps a conformant ASGI app (the simulated SIS) and bends one kind of reply
the way a non-conformant supplier would: each :class:`Fault` names a mutation of the
response (status, headers, JSON body) of the requests it matches. The app itself is not
touched, so the same SIS serves the conformant run.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Doc = Any


@dataclass(frozen=True)
class Fault:
    """A mutation of the replies whose path ``matches``; ``detected_by`` names the check."""

    name: str
    matches: Callable[[str, dict[str, str]], bool]
    bend: Callable[[Doc, dict[str, str], dict[str, Any]], Doc]
    detected_by: str
    status: int | None = None  # a different status, when the fault is one
    content_type: str | None = None


def _list(path: str) -> Callable[[str, dict[str, str]], bool]:
    return lambda p, q: p == path


def _drop_required(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    del doc["items"][0]["name"]
    return doc


def _wrong_enum(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    doc["items"][0]["programType"] = "diploma-supplement"
    return doc


def _repeat_item(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    """Page 2 (of size 10) starts with the last item of page 1 again."""
    if query.get("sort") or query.get("pageSize") != "10":
        return doc
    if query.get("pageNumber") == "1":
        memo["last"] = doc["items"][-1]
    elif query.get("pageNumber") == "2" and "last" in memo:
        doc["items"][0] = memo["last"]
    return doc


def _no_next(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    doc["hasNextPage"] = False
    return doc


def _new_ids(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    for item in doc["items"]:
        item["programId"] = str(uuid.uuid4())
    return doc


def _dangling_program(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    for item in doc["items"]:
        item["program"] = str(uuid.uuid4())
    return doc


def _end_before_start(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    for item in doc.get("items", [doc]):
        if "startDate" in item:
            item["endDate"] = "1999-01-01"
        if "startDateTime" in item:
            item["endDateTime"] = "1999-01-01T08:00:00Z"
    return doc


def _unsorted(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    if query.get("sort"):
        doc["items"].reverse()
    return doc


def _ignore_filter(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    if query.get("teachingLanguage"):
        for item in doc["items"]:
            item["teachingLanguage"] = "zzz"
    return doc


def _same(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    return doc


def _page_size_ignored(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    doc["pageSize"] = 10
    return doc


def _total_pages_plus(extra: int) -> Callable[[Doc, dict[str, str], dict[str, Any]], Doc]:
    def bend(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
        if isinstance(doc.get("totalPages"), int):
            doc["totalPages"] += extra
        return doc
    return bend


def _search_ignored(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    if query.get("q"):
        other = {k: v for k, v in doc["items"][0].items()
                 if k not in ("abbreviation", "description")}
        doc["items"].append(dict(other, name=[{"language": "nl-NL", "value": "Iets anders"}]))
    return doc


def _dangling_association(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    for item in doc["items"]:
        item["offering"] = str(uuid.uuid4())
    return doc


def _association_without_id(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    for item in doc["items"]:
        item.pop("associationId", None)
    return doc


def _plain_error(doc: Doc, query: dict[str, str], memo: dict[str, Any]) -> Doc:
    return {"message": "bad pageSize"} if "status" in doc else doc


FAULTS = [
    Fault("required-field-missing", _list("/programs"), _drop_required,
          "ooapi-v5.schema.collections"),
    Fault("wrong-enum-value", _list("/programs"), _wrong_enum, "ooapi-v5.schema.collections"),
    Fault("page-repeats-an-item", _list("/programs"), _repeat_item,
          "ooapi-v5.paging.no-item-lost-or-repeated"),
    Fault("has-next-page-wrong", _list("/programs"), _no_next, "ooapi-v5.paging.has-next-page"),
    Fault("page-size-not-echoed", _list("/courses"), _page_size_ignored,
          "ooapi-v5.paging.page-size"),
    Fault("ids-change-between-calls", _list("/programs"), _new_ids, "ooapi-v5.ids.stable"),
    Fault("dangling-program", _list("/offerings"), _dangling_program,
          "ooapi-v5.links.offering-references"),
    Fault("end-before-start", lambda p, q: p.startswith("/offerings"), _end_before_start,
          "ooapi-v5.dates.offerings"),
    Fault("sort-ignored", _list("/programs"), _unsorted, "ooapi-v5.sort.ids-and-dates"),
    Fault("filter-ignored", _list("/programs"), _ignore_filter,
          "ooapi-v5.filters.teaching-language"),
    Fault("500-on-a-page", lambda p, q: p == "/courses" and q.get("pageNumber") == "2", _same,
          "ooapi-v5.paging.page-number", status=500),
    Fault("wrong-content-type", _list("/programs"), _same, "ooapi-v5.schema.collections",
          content_type="text/plain"),
    Fault("404-without-problem", lambda p, q: p.startswith("/programs/"),
          lambda doc, q, memo: {"error": "not found"} if "status" in doc else doc,
          "ooapi-v5.errors.not-found"),
    Fault("open-without-token", lambda p, q: False, _same, "ooapi-v5.auth.no-token"),
    Fault("total-pages-wrong", _list("/programs"), _total_pages_plus(1),
          "ooapi-v5.paging.has-next-page"),
    Fault("total-pages-wrong-on-a-long-list", _list("/persons"), _total_pages_plus(3),
          "ooapi-v5.paging.has-next-page"),
    Fault("search-ignored", _list("/programs"), _search_ignored, "ooapi-v5.filters.q"),
    Fault("dangling-association-offering", lambda p, q: p.endswith("/associations"),
          _dangling_association, "ooapi-v5.links.association-offering"),
    Fault("association-without-id", lambda p, q: p.startswith("/persons/")
          and p.endswith("/associations"), _association_without_id,
          "ooapi-v5.schema.nested-lists"),
    Fault("bad-request-without-problem", lambda p, q: q.get("pageSize") == "7", _plain_error,
          "ooapi-v5.errors.bad-request", content_type="application/json"),
]


def faulty(app: ASGIApp, fault: Fault) -> ASGIApp:
    """``app`` with ``fault`` applied to the JSON replies it matches."""

    memo: dict[str, Any] = {}

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path: str = scope["path"]
        query = _query(scope)
        if fault.name == "open-without-token" and path != "/oauth/token":
            scope = _with_known_token(scope, memo)
        if not fault.matches(path, query):
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await app(scope, receive, capture)
        status, body = start["status"], b"".join(chunks)
        headers = [(k, v) for k, v in start["headers"] if k not in (b"content-length",
                                                                    b"content-type")]
        content_type = next((v for k, v in start["headers"] if k == b"content-type"),
                            b"application/json")
        try:
            doc = json.loads(body)
            body = json.dumps(fault.bend(doc, query, memo)).encode()
        except (ValueError, KeyError, IndexError, TypeError):
            pass
        if fault.status is not None:
            status = fault.status
        if fault.content_type is not None:
            content_type = fault.content_type.encode()
        headers += [(b"content-type", content_type),
                    (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped


def _with_known_token(scope: Scope, memo: dict[str, Any]) -> Scope:
    """Any request passes as the first authorized one: the fault of an open endpoint."""
    sent = dict(scope["headers"]).get(b"authorization")
    if sent is not None:
        memo.setdefault("token", sent)
    headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
    if "token" in memo:
        headers.append((b"authorization", memo["token"]))
    return dict(scope, headers=headers)


def _query(scope: Scope) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
