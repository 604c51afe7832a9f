"""OOAPI v5 validation against the official ooapi.json, the mbo profile and consumer profiles."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from gateway.adapters.ooapi import (
    OoapiOperationUnknown,
    OoapiSchemas,
    OoapiValidationError,
    SchemaError,
    errors_by_item,
    ooapi_schemas,
)
from gateway.adapters.ooapi.openapi import convert_schema, read_yaml
from gateway.adapters.standards import Standards
from simulators.ooapi_sis.generator import SisCatalogue

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def schemas(standards: Standards) -> OoapiSchemas:
    return ooapi_schemas(standards)


@pytest.fixture(scope="module")
def catalogue() -> SisCatalogue:
    return SisCatalogue(12, seed=5, cohorts=2, courses=20, today=TODAY)


def _first(docs: dict[str, dict[str, Any]], **match: Any) -> dict[str, Any]:
    doc = next(d for d in docs.values() if all(d.get(k) == v for k, v in match.items()))
    return copy.deepcopy(doc)


def _resolve(standards: Standards, schema_path: str) -> Any:
    """Follow a SchemaError.schema_path into the published file it names."""
    file, _, pointer = schema_path.partition("#")
    path = standards.root / file
    node = json.loads(path.read_text()) if path.suffix == ".json" else read_yaml(path)
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


@pytest.mark.parametrize("name, collection, match", [
    ("Program", "programs", {}),
    ("ProgramOffering", "offerings", {"offeringType": "program"}),
    ("CourseOffering", "offerings", {"offeringType": "course"}),
    ("Offering", "offerings", {"offeringType": "program"}),
    ("Course", "courses", {}),
    ("EducationSpecification", "education_specifications", {}),
    ("Organization", "organizations", {}),
    ("AcademicSession", "academic_sessions", {}),
])
def test_realistic_documents_are_valid(
    schemas: OoapiSchemas, catalogue: SisCatalogue, name: str, collection: str,
    match: dict[str, Any],
) -> None:
    assert schemas.validate(name, _first(getattr(catalogue, collection), **match)) == []


def test_an_error_names_its_place_in_the_document_and_in_the_official_file(
    schemas: OoapiSchemas, catalogue: SisCatalogue, standards: Standards,
) -> None:
    program = _first(catalogue.programs)
    program["name"] = []
    program["teachingLanguage"] = "NLD"
    errors = {e.pointer: e for e in schemas.validate("Program", program)}
    assert set(errors) == {"/name", "/teachingLanguage"}
    assert errors["/name"].schema_path == (
        "ooapi-v5/ooapi.json#/components/schemas/ProgramProperties/properties/name/minItems")
    assert _resolve(standards, errors["/name"].schema_path) == 1
    assert _resolve(standards, errors["/teachingLanguage"].schema_path) == "^[a-z]{3}$"


def test_errors_inside_an_expanded_object_point_into_it(
    schemas: OoapiSchemas, catalogue: SisCatalogue, standards: Standards,
) -> None:
    offering = _first(catalogue.offerings, offeringType="program")
    program = _first(catalogue.programs)
    del program["abbreviation"]
    offering["program"] = program  # expanded, as ?expand=program returns it
    [error] = schemas.validate("ProgramOffering", offering)
    assert error.pointer == "/program"
    assert error.message == "'abbreviation' is a required property"
    assert "abbreviation" in _resolve(standards, error.schema_path)


def test_messages_do_not_quote_the_document(schemas: OoapiSchemas, catalogue: SisCatalogue) -> None:
    program = _first(catalogue.programs)
    program["programId"] = "Jan de Vries, 12-03-2004"
    program["abbreviation"] = ["Jan de Vries"]
    errors = schemas.validate("Program", program)
    assert {e.pointer for e in errors} == {"/programId", "/abbreviation"}
    assert all("Vries" not in e.message for e in errors)


def test_consumer_entries_are_checked_against_their_published_profile(
    schemas: OoapiSchemas, catalogue: SisCatalogue, standards: Standards,
) -> None:
    offering = _first(catalogue.offerings, offeringType="program")
    offering["consumers"][1]["registrationStatus"] = "maybe"  # the rio entry
    del offering["consumers"][0]["offeringState"]  # the nl-test-admin entry
    offering["consumers"].append({"consumerKey": "x-other", "anything": ["goes"]})
    errors = {e.pointer: e for e in schemas.validate("ProgramOffering", offering)}
    assert set(errors) == {"/consumers/1/registrationStatus", "/consumers/0"}
    rio = errors["/consumers/1/registrationStatus"]
    assert rio.schema_path == (
        "ooapi-v5/consumers/RIO/V1/Offering.yaml#/properties/registrationStatus/enum")
    assert _resolve(standards, rio.schema_path) == ["open", "closed"]
    admin = errors["/consumers/0"]
    assert admin.schema_path.startswith(
        "ooapi-v5-mbo/ooapiv5_MBO.yaml#/components/schemas/nl-test-admin-Offering")
    assert "offeringState" in admin.message


def test_yes_and_no_of_the_rio_profile_are_strings(schemas: OoapiSchemas,
                                                   catalogue: SisCatalogue) -> None:
    offering = _first(catalogue.offerings, offeringType="program")
    offering["consumers"][1]["requiredPermissionRegistration"] = "yes"
    assert schemas.validate("ProgramOffering", offering) == []
    offering["consumers"][1]["requiredPermissionRegistration"] = True
    assert {e.pointer for e in schemas.validate("ProgramOffering", offering)} == {
        "/consumers/1/requiredPermissionRegistration"}


def test_a_paged_response_reports_errors_per_item(schemas: OoapiSchemas,
                                                  catalogue: SisCatalogue) -> None:
    good, bad = (_first(catalogue.programs) for _ in range(2))
    del bad["primaryCode"]
    page = {"pageSize": 10, "pageNumber": 1, "hasPreviousPage": False, "hasNextPage": False,
            "totalPages": 1, "items": [good, bad]}
    grouped = errors_by_item(schemas.validate_response("/programs", "GET", 200, page))
    assert list(grouped) == [1]
    assert grouped[1][0].pointer == "/items/1"
    del page["hasNextPage"]
    assert None in errors_by_item(schemas.validate_response("/programs", "get", 200, page))


def test_the_mbo_offerings_list_is_official_pagination_with_official_offerings(
    schemas: OoapiSchemas, catalogue: SisCatalogue,
) -> None:
    items = [_first(catalogue.offerings, offeringType=t) for t in ("program", "course")]
    page = {"pageSize": 10, "pageNumber": 1, "hasPreviousPage": False, "hasNextPage": False,
            "items": items}
    assert schemas.validate_response("/offerings", "get", 200, page) == []
    assert schemas.item_schema_name("/offerings") == "Offering"
    assert schemas.item_schema_name("/programs/{programId}/offerings") == "ProgramOffering"
    items[0]["consumers"][0]["location"] = 7
    assert [e.pointer for e in schemas.validate_response("/offerings", "get", 200, page)] == [
        "/items/0/consumers/0/location"]


def test_offerings_are_told_apart_by_offering_type(
    schemas: OoapiSchemas, catalogue: SisCatalogue, standards: Standards,
) -> None:
    offering = _first(catalogue.offerings, offeringType="program")
    # Read literally, the official oneOf refuses every program offering: it is a valid
    # CourseOffering too. That is why the codec discriminates by offeringType.
    spec = json.loads(standards.ooapi_json.read_text())
    literal = convert_schema(
        spec["paths"]["/offerings/{offeringId}"]["get"]["responses"]["200"]["content"][
            "application/json"]["schema"])
    literal["components"] = {"schemas": {k: convert_schema(v)
                                         for k, v in spec["components"]["schemas"].items()}}
    assert not Draft4Validator(literal).is_valid(offering)
    assert schemas.validate_response("/offerings/{offeringId}", "get", 200, offering) == []
    offering["offeringType"] = "component"
    assert schemas.validate_response("/offerings/{offeringId}", "get", 200, offering)
    [error] = schemas.validate("ProgramOffering", offering)
    assert error.pointer == "/offeringType"


def test_problem_responses_are_validated_too(schemas: OoapiSchemas) -> None:
    assert schemas.validate_response("/programs", "get", 401,
                                     {"status": "401", "title": "Unauthorized"}) == []
    errors = schemas.validate_response("/programs", "get", 401, {"status": 401})
    assert {e.pointer for e in errors} == {"", "/status"}  # no title; status is a string


def test_unknown_schemas_and_operations_are_refused(schemas: OoapiSchemas) -> None:
    with pytest.raises(OoapiOperationUnknown):
        schemas.validate("Cohort", {})
    with pytest.raises(OoapiOperationUnknown):
        schemas.validate_response("/cohorts", "get", 200, {})
    with pytest.raises(OoapiOperationUnknown):
        schemas.validate_response("/programs", "delete", 200, {})


def test_check_raises_a_validation_error_with_every_schema_error(
    schemas: OoapiSchemas, catalogue: SisCatalogue,
) -> None:
    program = _first(catalogue.programs)
    program["name"], program["modeOfStudy"] = [], "sometimes"
    with pytest.raises(OoapiValidationError) as caught:
        schemas.check("Program", program)
    assert caught.value.path == "/name"
    assert [e["path"] for e in caught.value.errors] == ["/name", "/modeOfStudy"]
    assert all(isinstance(e, SchemaError) for e in caught.value.schema_errors)


def test_formats_that_carry_meaning_are_checked(schemas: OoapiSchemas,
                                                catalogue: SisCatalogue) -> None:
    offering = _first(catalogue.offerings, offeringType="program")
    offering["startDate"] = "2027-02-30"
    offering["offeringId"] = "not-a-uuid"
    assert {e.pointer for e in schemas.validate("ProgramOffering", offering)} == {
        "/startDate", "/offeringId"}
    offering = _first(catalogue.offerings, offeringType="program")
    offering["consumers"][0]["lastPossibleStartDateTime"] = "2027-09-01"
    assert [e.pointer for e in schemas.validate("ProgramOffering", offering)] == [
        "/consumers/0/lastPossibleStartDateTime"]
    offering["consumers"][0]["lastPossibleStartDateTime"] = "2027-09-01T08:30:00+02:00"
    assert schemas.validate("ProgramOffering", offering) == []


def test_openapi_keywords_are_converted() -> None:
    schema = convert_schema({
        "type": "string", "nullable": True, "enum": ["a"], "example": "a", "readOnly": True,
        "x-ooapi-extensible-enum": ["a"],
        "properties": {"example": {"$ref": "#/x", "description": "ignored sibling"}},
        "items": "string", "required": None,
    })
    assert schema == {"type": ["string", "null"], "enum": ["a", None],
                      "properties": {"example": {"$ref": "#/x"}}, "items": {"type": "string"}}


def test_every_official_schema_has_a_compiled_fast_path(schemas: OoapiSchemas) -> None:
    assert [n for n in schemas.schema_names if not schemas.has_fast_path(n)] == []


# -- the fast path agrees with jsonschema ------------------------------------------------

_BREAKS = st.sampled_from(["drop", "null", "number", "empty-list", "bad-date", "text"])


def _break(doc: Any, path: list[Any], how: str) -> None:
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if how == "drop" and isinstance(parent, dict):
        del parent[key]
    else:
        parent[key] = {"null": None, "number": 7.5, "empty-list": [], "bad-date": "2027-13-01",
                       "text": "x", "drop": None}[how]


def _paths(doc: Any, prefix: list[Any]) -> list[list[Any]]:
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, [*prefix, key])
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += _paths(value, [*prefix, index])
    return found


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(data=st.data(), how=_BREAKS, kind=st.sampled_from(
    ["Program", "ProgramOffering", "CourseOffering", "Course", "EducationSpecification",
     "Organization", "AcademicSession"]))
def test_the_fast_path_and_jsonschema_agree(
    standards: Standards, catalogue: SisCatalogue, data: st.DataObject, how: str, kind: str,
) -> None:
    fast, slow = ooapi_schemas(standards), _slow_schemas(standards)
    collection = {"Program": "programs", "Course": "courses",
                  "EducationSpecification": "education_specifications",
                  "Organization": "organizations", "AcademicSession": "academic_sessions"}
    if kind.endswith("Offering"):
        doc = _first(catalogue.offerings, offeringType=kind[:-8].lower())
    else:
        doc = _first(getattr(catalogue, collection[kind]))
    path = data.draw(st.sampled_from(_paths(doc, [])))
    _break(doc, path, how)
    assert fast.validate(kind, doc) == slow.validate(kind, doc)


_SLOW: dict[Path, OoapiSchemas] = {}


def _slow_schemas(standards: Standards) -> OoapiSchemas:
    if standards.root not in _SLOW:
        _SLOW[standards.root] = OoapiSchemas(standards, fast=False)
    return _SLOW[standards.root]
