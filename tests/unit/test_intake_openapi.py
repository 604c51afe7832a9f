"""The committed intake OpenAPI document: in sync with the code, and saying what it promises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gateway.api.app import create_app
from gateway.api.intake_openapi import (
    FILE,
    REGENERATE,
    check_file,
    intake_openapi_document,
    main,
    write_file,
)
from gateway.api.routers.intake import PREFIX
from gateway.bootstrap import Gateway

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"


def _committed() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SCHEMAS_DIR / FILE).read_text("utf-8"))
    return doc


def _operations(doc: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {op["operationId"]: (path, method, op)
            for path, item in doc["paths"].items() for method, op in item.items()}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_committed_document_matches_the_code() -> None:
    problems = check_file(SCHEMAS_DIR)
    assert not problems, (f"schemas/{FILE} differs from what the code generates: {problems}. "
                          f"Regenerate with: {REGENERATE}, and commit the result.")


def test_the_document_is_the_intake_part_of_the_apps_openapi(gateway: Gateway) -> None:
    app_doc = create_app(gateway).openapi()
    intake_paths = {p: item for p, item in app_doc["paths"].items() if p.startswith(PREFIX)}
    doc = _committed()
    assert set(intake_paths) == set(doc["paths"])
    for path, item in intake_paths.items():
        for method, operation in item.items():
            ours = doc["paths"][path][method]
            assert ours["operationId"] == operation["operationId"]
            assert ours.get("requestBody") == operation.get("requestBody")
            assert ours["parameters"] == operation["parameters"]


def test_every_operation_names_its_scope_and_the_scheme_exists() -> None:
    doc = _committed()
    flows = doc["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]
    assert flows["tokenUrl"] == "/oauth/token"
    assert set(flows["scopes"]) == {"intake:read", "intake:write"}
    scopes = {op_id: op["security"] for op_id, (_, _, op) in _operations(doc).items()}
    assert scopes == {
        "submitApplication": [{"oauth2": ["intake:write"]}],
        "getApplication": [{"oauth2": ["intake:read"]}],
        "withdrawApplication": [{"oauth2": ["intake:write"]}],
    }


def test_every_post_requires_an_idempotency_key_and_documents_the_draft_statuses() -> None:
    doc = _committed()
    posts = [op for _, method, op in _operations(doc).values() if method == "post"]
    assert len(posts) == 2
    for op in posts:
        keys = [p for p in op["parameters"] if p["name"] == "Idempotency-Key"]
        assert keys and keys[0]["in"] == "header" and keys[0]["required"] is True
        assert {"400", "409", "422"} <= set(op["responses"])
        success = next(v for k, v in op["responses"].items() if k.startswith("2"))
        assert "Idempotent-Replayed" in success["headers"]
    assert "draft-ietf-httpapi-idempotency-key-header" in doc["info"]["description"]


def test_problems_are_problem_json_and_every_ref_resolves() -> None:
    doc = _committed()
    for _, _, op in _operations(doc).values():
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                assert list(response["content"]) == ["application/problem+json"], status
    refs = _refs(doc)
    assert refs
    for ref in refs:
        name = ref.removeprefix("#/components/schemas/")
        assert name in doc["components"]["schemas"], ref


def test_no_personal_data_field_is_ever_returned() -> None:
    view = _committed()["components"]["schemas"]["ApplicationView"]["properties"]
    assert not {"givenName", "familyName", "email", "birthDate", "motivation"} & set(view)


def test_write_and_check_find_drift(tmp_path: Path) -> None:
    assert main(["--check", str(tmp_path)]) == 1  # missing
    assert main(["--write", str(tmp_path)]) == 0
    assert check_file(tmp_path) == []
    assert write_file(tmp_path) is False  # nothing to do the second time
    (tmp_path / FILE).write_text("{}", encoding="utf-8")
    assert check_file(tmp_path) == [f"differs: {FILE}"]
    assert write_file(tmp_path) is True
    assert json.loads((tmp_path / FILE).read_text("utf-8")) == intake_openapi_document()
