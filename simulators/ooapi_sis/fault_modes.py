"""The named fault modes of the simulated SIS (``ooapi-v5`` and the mbo profile's ``sis``
role) and of a receiver of the profile (``ooapi-v5-mbo`` ``receiver`` role).

Each is one realistic way to get the standard wrong; the lists bent are the ones the
small SIS of the proofs holds enough of (``/courses`` has more than two pages of 10).
"""

from __future__ import annotations

import copy
import re
import uuid
from datetime import date, timedelta
from typing import Any

from simulators.ooapi_sis.fault_switch import Bend, Mode, Request, register_mode

__all__ = ["MBO_MODES", "OOAPI_MODES", "RECEIVER_MODES"]

Doc = Any
MBO_PREFIX = "/ooapi/v5-mbo"
_CREBO_TYPES = ("crohoCreboCode", "nationalEducationCode")


def _list(path: str) -> Any:
    return lambda r: r.method == "GET" and r.path == path


def _items(doc: Doc) -> list[dict[str, Any]]:
    items = doc.get("items") if isinstance(doc, dict) else None
    if isinstance(items, list):
        return [i for i in items if isinstance(i, dict)]
    return [doc] if isinstance(doc, dict) else []


def _drop_name(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    for item in _items(doc)[:1]:
        item.pop("name", None)
    return doc


def _wrong_program_type(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    for item in _items(doc)[:1]:
        item["programType"] = "diploma-supplement"
    return doc


def _repeat_item(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    """Page 2 of size 10 starts with the last item of page 1 again."""
    if r.query.get("sort") or r.query.get("pageSize") != "10" or not doc.get("items"):
        return doc
    if r.query.get("pageNumber", "1") == "1":
        memo["last"] = doc["items"][-1]
    elif r.query.get("pageNumber") == "2" and "last" in memo:
        doc["items"][0] = memo["last"]
    return doc


def _no_next_page(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    doc["hasNextPage"] = False
    return doc


def _total_pages(extra: int) -> Bend:
    def bend(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
        doc["totalPages"] = int(doc.get("totalPages") or 1) + extra
        return doc
    return bend


def _page_size_ten(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    doc["pageSize"] = 10
    return doc


def _unsorted(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    if r.query.get("sort") and isinstance(doc.get("items"), list):
        doc["items"].reverse()
    return doc


def _language_ignored(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    if r.query.get("teachingLanguage"):
        for item in _items(doc):
            item["teachingLanguage"] = "zzz"
    return doc


def _search_ignored(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    """A ``q`` query answers one more item, whose name does not hold the term."""
    found = _items(doc)
    if r.query.get("q") and found:
        other = {k: v for k, v in found[0].items() if k not in ("abbreviation", "description")}
        doc["items"].append(dict(other, name=[{"language": "nl-NL", "value": "Iets anders"}]))
    return doc


def _dangling_offering(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    for item in _items(doc):
        item["offering"] = str(uuid.uuid4())
    return doc


def _drop(field: str) -> Bend:
    """Every item (or the document) without ``field``."""
    def bend(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
        for item in _items(doc):
            item.pop(field, None)
        return doc
    return bend


def _plain_error(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    return {"message": "bad pageSize"}


def _new_ids(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    for item in _items(doc):
        item["programId"] = str(uuid.uuid4())
    return doc


def _dangling_program(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    for item in _items(doc):
        if "program" in item:
            item["program"] = str(uuid.uuid4())
    return doc


def _end_before_start(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    for item in _items(doc):
        if "startDate" in item:
            item["endDate"] = "1999-01-01"
        if "startDateTime" in item:
            item["endDateTime"] = "1999-01-01T08:00:00+01:00"
    return doc


def _window_after_start(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    for item in _items(doc):
        if "startDate" in item and "enrollStartDate" in item:
            start = date.fromisoformat(item["startDate"])
            item["enrollStartDate"] = (start + timedelta(days=14)).isoformat()
            item["enrollEndDate"] = (start + timedelta(days=28)).isoformat()
    return doc


_PARENT_OFFERINGS = re.compile(r"^/(programs|courses)/[^/]+/offerings$")


def _parent_offerings(r: Request) -> bool:
    return r.method == "GET" and _PARENT_OFFERINGS.match(r.path) is not None


def _since_ignored(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    """A ``since`` query is answered as if ``since`` were not given (the default: today).

    The bend sees only the filtered reply, so it answers with the reply it gave to the same
    query without ``since`` when it has seen one (and remembers every such reply)."""
    key = (r.path, tuple(sorted((k, v) for k, v in r.query.items() if k != "since")))
    replies = memo.setdefault("without-since", {})
    if "since" not in r.query:
        replies[key] = copy.deepcopy(doc)
        return doc
    return copy.deepcopy(replies[key]) if key in replies else doc


def _since_exclusive(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    """``since`` read as "after": offerings starting on the day itself are left out."""
    since = r.query.get("since")
    if since and isinstance(doc, dict) and isinstance(doc.get("items"), list):
        doc["items"] = [i for i in doc["items"] if not isinstance(i, dict) or str(
            i.get("startDate") or i.get("startDateTime") or "")[:10] != since]
    return doc


def _not_a_problem(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    return {"error": "not found"}


OOAPI_MODES = [
    Mode("ooapi-v5.required-field-missing", "ooapi-v5",
         "a program in /programs without its required name", _list("/programs"), _drop_name),
    Mode("ooapi-v5.wrong-enum-value", "ooapi-v5",
         "a program whose programType is not in the enum", _list("/programs"),
         _wrong_program_type),
    Mode("ooapi-v5.page-repeats-item", "ooapi-v5",
         "page 2 of /courses repeats the last item of page 1", _list("/courses"),
         _repeat_item),
    Mode("ooapi-v5.has-next-page-wrong", "ooapi-v5",
         "/courses says hasNextPage false while more pages hold items", _list("/courses"),
         _no_next_page),
    Mode("ooapi-v5.total-pages-inconsistent", "ooapi-v5",
         "/courses gives a totalPages two more than there are", _list("/courses"),
         _total_pages(2)),
    Mode("ooapi-v5.total-pages-inconsistent-on-a-long-list", "ooapi-v5",
         "/persons, the longest list, gives a totalPages three more than there are",
         _list("/persons"), _total_pages(3)),
    Mode("ooapi-v5.page-size-not-echoed", "ooapi-v5",
         "/courses answers pageSize 10 whatever pageSize was asked", _list("/courses"),
         _page_size_ten),
    Mode("ooapi-v5.ids-change-between-calls", "ooapi-v5",
         "/programs answers new programIds on every call", _list("/programs"), _new_ids),
    Mode("ooapi-v5.dangling-reference", "ooapi-v5",
         "offerings name a program that does not exist", _list("/offerings"),
         _dangling_program),
    Mode("ooapi-v5.end-before-start", "ooapi-v5", "offerings end before they start",
         lambda r: r.method == "GET" and r.path.startswith("/offerings"), _end_before_start),
    Mode("ooapi-v5.application-window-after-start", "ooapi-v5",
         "the application window of offerings opens after their start",
         lambda r: r.method == "GET" and r.path.startswith("/offerings"),
         _window_after_start),
    Mode("ooapi-v5.since-ignored", "ooapi-v5",
         "the offerings of programs and courses ignore since: every future one is answered",
         _parent_offerings, _since_ignored),
    Mode("ooapi-v5.since-exclusive", "ooapi-v5",
         "the offerings of programs and courses answered for since=D leave out those "
         "starting on D", _parent_offerings, _since_exclusive),
    Mode("ooapi-v5.server-error-on-a-page", "ooapi-v5", "page 2 of /courses answers 500",
         lambda r: r.path == "/courses" and r.query.get("pageNumber") == "2", status=500),
    Mode("ooapi-v5.wrong-content-type", "ooapi-v5", "/programs is served as text/plain",
         _list("/programs"), content_type="text/plain"),
    Mode("ooapi-v5.error-without-problem", "ooapi-v5",
         "a 404 answers {'error': ...} as application/json, not the OOAPI Problem",
         lambda r: r.method == "GET", _not_a_problem, when_status=404,
         content_type="application/json"),
    Mode("ooapi-v5.served-without-token", "ooapi-v5",
         "every endpoint answers requests without a token", lambda r: False, open=True),
    Mode("ooapi-v5.bad-request-without-problem", "ooapi-v5",
         "a 400 for pageSize=7 answers {'message': ...} as application/json, not the "
         "OOAPI Problem", lambda r: r.method == "GET" and r.query.get("pageSize") == "7",
         _plain_error, when_status=400, content_type="application/json"),
    Mode("ooapi-v5.sort-ignored", "ooapi-v5",
         "/programs answers a sorted request in the reverse order", _list("/programs"),
         _unsorted),
    Mode("ooapi-v5.filter-ignored", "ooapi-v5",
         "/programs answers a teachingLanguage filter with programmes in another language",
         _list("/programs"), _language_ignored),
    Mode("ooapi-v5.search-ignored", "ooapi-v5",
         "/programs answers a q search with a programme whose name does not hold the term",
         _list("/programs"), _search_ignored),
    Mode("ooapi-v5.dangling-association-offering", "ooapi-v5",
         "associations name an offering that does not exist",
         lambda r: r.method == "GET" and r.path.endswith("/associations"),
         _dangling_offering),
    Mode("ooapi-v5.association-without-id", "ooapi-v5",
         "the associations of a person are listed without their associationId",
         lambda r: r.method == "GET" and r.path.startswith("/persons/")
         and r.path.endswith("/associations"), _drop("associationId")),
]


def _bad_crebo(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    for item in _items(doc):
        for entry in [item.get("primaryCode"), *(item.get("otherCodes") or [])]:
            if isinstance(entry, dict) and entry.get("codeType") in _CREBO_TYPES:
                entry["code"] = f"{entry['code'][:4]}A"
    return doc


def _crebo_code_type(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    for item in _items(doc):
        for entry in [item.get("primaryCode"), *(item.get("otherCodes") or [])]:
            if isinstance(entry, dict) and entry.get("codeType") in _CREBO_TYPES:
                entry["codeType"] = "identifier"
    return doc


def _enrolled(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    for item in _items(doc):
        if "state" in item:
            item["state"] = "enrolled"
    return doc


_CATALOGUE = ("/programs", "/education-specifications")
MBO_MODES = [
    Mode("ooapi-v5-mbo.crebo-malformed", "ooapi-v5-mbo",
         "programmes' crebo codes are not five digits ('2560A')",
         lambda r: r.method == "GET" and r.path.startswith(_CATALOGUE), _bad_crebo),
    Mode("ooapi-v5-mbo.crebo-wrong-code-type", "ooapi-v5-mbo",
         "programmes carry their crebo under codeType 'identifier'",
         lambda r: r.method == "GET" and r.path.startswith(_CATALOGUE), _crebo_code_type),
    Mode("ooapi-v5-mbo.required-field-missing", "ooapi-v5-mbo",
         "persons without mail, which the profile requires",
         lambda r: r.method == "GET" and r.path.startswith("/persons/")
         and r.path.count("/") == 2, _drop("mail")),
    Mode("ooapi-v5-mbo.association-state-invalid", "ooapi-v5-mbo",
         "associations in state 'enrolled', which the profile does not know",
         lambda r: r.method == "GET" and (r.path.startswith("/associations/")
                                          or r.path.endswith("/associations")), _enrolled),
]


def _drop_consumers(doc: Doc, r: Request, memo: dict[str, Any]) -> Doc:
    if isinstance(doc, dict):
        doc.pop("consumers", None)
    return doc


RECEIVER_MODES = [
    Mode("ooapi-v5-mbo.receiver-not-returned-as-sent", "ooapi-v5-mbo",
         "a receiver keeps a person without the consumers entry it was sent",
         lambda r: r.method == "GET" and r.path.startswith(f"{MBO_PREFIX}/persons/")
         and r.path.count("/") == 4, _drop_consumers),
    Mode("ooapi-v5-mbo.receiver-accepts-invalid-body", "ooapi-v5-mbo",
         "a receiver answers 201 to a body the profile refuses",
         lambda r: r.method == "PUT" and r.path.startswith(MBO_PREFIX), status=201,
         when_status=400, content_type="application/json"),
    Mode("ooapi-v5-mbo.receiver-repeated-put-creates", "ooapi-v5-mbo",
         "a receiver answers 201 Created to a PUT of a resource it already holds",
         lambda r: r.method == "PUT" and r.path.startswith(MBO_PREFIX), status=201,
         when_status=200),
]

for _mode in (*OOAPI_MODES, *MBO_MODES, *RECEIVER_MODES):
    register_mode(_mode)
