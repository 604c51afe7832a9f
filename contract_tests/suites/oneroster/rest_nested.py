"""Checks of the rostering REST service's nested collections (``/classes/{id}/students``, ...).

The binding lists, beside each top-level collection, the collections below an object:
the classes of a school, the students and teachers of a class, and so on. A consumer
rosters a class through them, so a nested collection must hold only what is below its
parent, and an unknown parent must be refused as an unknown object. Requests stay few:
the first page of schools and classes, and per class (at most :data:`MAX_CLASSES`) its
students, teachers and enrollments.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from contract_tests.checks import Finding, NotApplicable
from contract_tests.http import Exchange, HttpRecorder
from contract_tests.suites.oneroster.bundle import OneRosterContext
from contract_tests.suites.oneroster.definition import suite, violation
from contract_tests.suites.oneroster.rest import collection_items
from contract_tests.suites.oneroster.spec import REST

__all__ = ["MAX_CLASSES"]

MAX_CLASSES = 5
#: A sourcedId no service holds (a nil-like UUID of its own).
UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"
_CHECK = "oneroster.rest.nested"


def _ref(obj: dict[str, Any], key: str) -> Any:
    ref = obj.get(key)
    return ref.get("sourcedId") if isinstance(ref, dict) else None


def _minor(exchange: Exchange) -> Any:
    body = exchange.json()
    minor = body.get("imsx_CodeMinor") if isinstance(body, dict) else None
    fields = minor.get("imsx_codeMinorField") if isinstance(minor, dict) else None
    if isinstance(fields, list) and fields and isinstance(fields[0], dict):
        return fields[0].get("imsx_codeMinorFieldValue")
    return None


def _fail(message: str, exchange: Exchange) -> Finding:
    return violation(_CHECK, message, exchange.url,
                     value=exchange.body[:200].decode("utf-8", "replace"),
                     request=exchange.request_line)


def _class_members(rest: HttpRecorder, klass: str) -> Iterator[Finding]:
    path = f"/classes/{quote(klass, safe='')}"
    enrollments = collection_items(rest.get("/enrollments", {"filter": f"class.sourcedId='{klass}'",
                                                    "limit": 1000}), "enrollments")
    for role in ("students", "teachers"):
        exchange = rest.get(f"{path}/{role}", {"limit": 1000})
        users = collection_items(exchange, "users")
        if users is None:
            yield _fail(f"GET {path}/{role} did not answer 200 with {{\"users\": [...]}}",
                        exchange)
            continue
        if enrollments is None:
            continue  # the enrollments' filter is checked elsewhere
        wanted = "student" if role == "students" else "teacher"
        enrolled = {_ref(e, "user") for e in enrollments if e.get("role") == wanted}
        strangers = sorted({u["sourcedId"] for u in users} - enrolled)
        if strangers:
            yield _fail(f"GET {path}/{role} lists {len(strangers)} user(s) without a "
                        f"{wanted} enrollment in that class, e.g. {strangers[0]}", exchange)


@suite.check(
    _CHECK, title="Nested collections hold what is below their parent",
    rule="GET /schools/{id}/classes answers the school's classes ({\"classes\": [...]}, each "
         "with that school), /classes/{id}/students and /teachers the users with that "
         "enrollment role in the class ({\"users\": [...]}); an unknown parent is answered 404 "
         "with the imsx status payload, codeMinor unknownobject",
    reference=f"{REST}, getClassesForSchool, getStudentsForClass, getTeachersForClass",
)
def nested(ctx: OneRosterContext) -> Iterator[Finding]:
    rest = ctx.service()
    school_page = rest.get("/schools")
    schools = collection_items(school_page, "orgs")  # the binding wraps schools as orgs
    for school in (schools or [])[:1]:
        ident = school["sourcedId"]
        exchange = rest.get(f"/schools/{quote(ident, safe='')}/classes", {"limit": 1000})
        classes = collection_items(exchange, "classes")
        if classes is None:
            yield _fail("GET /schools/{id}/classes did not answer 200 with "
                        "{\"classes\": [...]}", exchange)
        elif any(_ref(c, "school") != ident for c in classes):
            yield _fail("GET /schools/{id}/classes lists a class of another school", exchange)
    class_page = rest.get("/classes")
    classes = collection_items(class_page, "classes")
    for klass in (classes or [])[:MAX_CLASSES]:
        yield from _class_members(rest, klass["sourcedId"])
    unknown = rest.get(f"/classes/{UNKNOWN_ID}/students")
    if unknown.status != 404 or _minor(unknown) != "unknownobject":
        yield _fail(f"GET /classes/{{unknown}}/students was answered {unknown.status}, not "
                    "404 with codeMinor unknownobject", unknown)
    if not schools and not classes:
        raise NotApplicable(f"no parent to list the nested collections of: GET /schools "
                            f"{_held(school_page, schools)}, GET /classes "
                            f"{_held(class_page, classes)} (only the unknown parent's 404 "
                            "was checked)")


def _held(exchange: Exchange, items: list[dict[str, Any]] | None) -> str:
    if items is None:
        return f"answered {exchange.status} without a readable collection"
    return "answered an empty collection"
