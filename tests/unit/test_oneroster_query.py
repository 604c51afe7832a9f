"""The OneRoster 1.2 query grammar: filter, sort/orderBy, fields, limit/offset (no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gateway.adapters.oneroster.errors import CodeMinor, OneRosterQueryError, status_info
from gateway.adapters.oneroster.query import (
    MAX_LIMIT,
    FieldType,
    Filter,
    Page,
    Predicate,
    Sort,
    matches,
    parse_fields,
    parse_filter,
    parse_page,
    parse_sort,
)

SPEC = {"sourcedId": FieldType.TEXT, "status": FieldType.TEXT,
        "dateLastModified": FieldType.DATETIME, "familyName": FieldType.TEXT,
        "beginDate": FieldType.DATE, "user.sourcedId": FieldType.TEXT}


@pytest.mark.parametrize("op", ["=", "!=", ">", ">=", "<", "<=", "~"])
def test_every_operator_parses(op: str) -> None:
    assert parse_filter(f"familyName{op}'Jansen'", SPEC) == Filter(
        (Predicate("familyName", op, "Jansen"),))


def test_two_predicates_with_and_or_or_and_typed_values() -> None:
    both = parse_filter("status='active' AND dateLastModified>='2025-08-01T10:00:00Z'", SPEC)
    either = parse_filter("beginDate<'2025-09-01' OR user.sourcedId='u 1'", SPEC)
    assert both == Filter((Predicate("status", "=", "active"), Predicate(
        "dateLastModified", ">=", datetime(2025, 8, 1, 10, tzinfo=UTC))), "AND")
    assert either == Filter((Predicate("beginDate", "<", date(2025, 9, 1)),
                             Predicate("user.sourcedId", "=", "u 1")), "OR")


def test_a_date_time_without_offset_is_utc() -> None:
    parsed = parse_filter("dateLastModified>'2025-08-01T10:00:00'", SPEC)
    assert parsed is not None and parsed.predicates[0].value.tzinfo == UTC


@pytest.mark.parametrize("raw", [
    "familyName='a' AND status='b' OR sourcedId='c'",   # one logical operator at most
    "familyName='a' AND status='b' AND sourcedId='c'",
    "familyName=Jansen",                                # the value must be quoted
    "familyName=='x'",
    "familyName='x' and status='y'",                    # AND/OR in capitals
    "bogus='x'",                                        # not a filterable field
    "dateLastModified~'2025'",                          # contains needs text
    "dateLastModified>'last week'",
    "beginDate='2025-13-01'",
    "familyName='\x00'",
    "familyName='it''s'",
])
def test_bad_filters_are_invalid_filter_field(raw: str) -> None:
    with pytest.raises(OneRosterQueryError) as caught:
        parse_filter(raw, SPEC)
    assert caught.value.minor is CodeMinor.INVALID_FILTER_FIELD
    assert caught.value.parameter == "filter"


def test_no_filter() -> None:
    assert parse_filter(None, SPEC) is None
    assert parse_filter("  ", SPEC) is None


def test_sort_and_order_by() -> None:
    assert parse_sort("familyName", "desc", SPEC) == Sort("familyName", descending=True)
    assert parse_sort("familyName", None, SPEC) == Sort("familyName")
    assert parse_sort(None, "asc", SPEC) is None
    for sort, order in (("email", "asc"), ("familyName", "down")):
        with pytest.raises(OneRosterQueryError) as caught:
            parse_sort(sort, order, SPEC)
        assert caught.value.minor is CodeMinor.INVALID_SORT_FIELD


def test_fields_selection() -> None:
    allowed = frozenset({"sourcedId", "givenName", "roles"})
    assert parse_fields("givenName, sourcedId,givenName", allowed) == ("givenName", "sourcedId")
    assert parse_fields(None, allowed) is None
    for raw in ("", "email", "sourcedId,password"):
        with pytest.raises(OneRosterQueryError) as caught:
            parse_fields(raw, allowed)
        assert caught.value.minor is CodeMinor.INVALID_SELECTION_FIELD


def test_paging_defaults_caps_and_refusals() -> None:
    assert parse_page(None, None) == Page(100, 0)
    assert parse_page("5", "10") == Page(5, 10)
    assert parse_page(str(MAX_LIMIT + 1), None).limit == MAX_LIMIT
    for limit, offset in (("0", None), ("-1", None), ("x", None), (None, "-3"), ("1.5", None)):
        with pytest.raises(OneRosterQueryError) as caught:
            parse_page(limit, offset)
        assert caught.value.minor is CodeMinor.INVALID_DATA


def test_matches_evaluates_like_the_database() -> None:
    obj = {"sourcedId": "a", "status": "active", "familyName": "de Vries",
           "dateLastModified": "2025-08-02T00:00:00.000Z", "beginDate": "2025-08-01",
           "user": {"sourcedId": "u1"}}

    def check(raw: str) -> bool:
        return matches(parse_filter(raw, SPEC), obj)

    assert check("familyName~'VRIES'") and not check("familyName~'jansen'")
    assert check("dateLastModified>'2025-08-01T23:59:59Z'")
    assert not check("dateLastModified>'2025-08-02T00:00:00Z'")
    assert check("beginDate>='2025-08-01' AND user.sourcedId='u1'")
    assert check("status='tobedeleted' OR familyName='de Vries'")
    assert not check("status='tobedeleted' AND familyName='de Vries'")
    assert check("familyName!='x'") and matches(None, obj)


def test_status_info_is_the_bindings_error_payload() -> None:
    assert status_info(CodeMinor.UNKNOWN_OBJECT, "no user") == {
        "imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_description": "no user",
        "imsx_CodeMinor": {"imsx_codeMinorField": [{
            "imsx_codeMinorFieldName": "TargetEndSystem",
            "imsx_codeMinorFieldValue": "unknownobject"}]}}
