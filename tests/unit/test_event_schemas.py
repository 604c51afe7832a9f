"""The committed event schemas and AsyncAPI document: in sync with the code, and valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from gateway.domain import ENTITY_TYPES
from gateway.domain.base import Domain
from gateway.events.asyncapi import asyncapi_document
from gateway.events.schema_files import REGENERATE, check_schemas, main, write_schemas
from gateway.events.schemas import event_schemas
from gateway.events.types import DEADLETTER_TYPE, Change, dataschema_for, event_type

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
ALL_TYPES = sorted(event_schemas())


def _asyncapi_on_disk() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((SCHEMAS_DIR / "asyncapi.yaml").read_text("utf-8"))
    return doc


def _pointer(doc: dict[str, Any], ref: str) -> Any:
    """Resolve a local ``#/...`` JSON Pointer."""
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_committed_schemas_match_the_code() -> None:
    problems = check_schemas(SCHEMAS_DIR)
    assert not problems, (
        "schemas/ differs from what the code generates: " + "; ".join(problems)
        + f". Regenerate with: {REGENERATE}, and commit the result."
    )


def test_there_is_a_schema_per_entity_kind_and_change_and_for_dead_letters() -> None:
    expected = {event_type(cls, change) for cls in ENTITY_TYPES.values() for change in Change}
    assert set(ALL_TYPES) == expected | {DEADLETTER_TYPE}


@pytest.mark.parametrize("type_", ALL_TYPES)
def test_every_committed_schema_is_a_valid_draft_2020_12_schema(type_: str) -> None:
    schema = json.loads((SCHEMAS_DIR / "events" / f"{type_}.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == dataschema_for(type_)
    assert schema["title"]
    assert schema["description"]
    assert schema["additionalProperties"] is False


def test_upserted_schemas_require_every_field_a_snapshot_writes() -> None:
    for cls in ENTITY_TYPES.values():
        schema = event_schemas()[event_type(cls, Change.UPSERTED)]
        entity = schema["$defs"][cls.__name__]
        assert set(entity["required"]) == set(cls.model_fields), cls.kind
        assert entity["properties"]["id"]["format"] == "uuid"
        assert entity["additionalProperties"] is False


def test_asyncapi_document_has_a_channel_per_domain_and_dead_letters() -> None:
    doc = _asyncapi_on_disk()
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] and doc["info"]["version"]
    assert "ce_entityversion" in doc["info"]["description"]
    assert set(doc["channels"]) == {d.value for d in Domain} | {"deadletter"}
    for name, channel in doc["channels"].items():
        assert channel["address"] == f"{{prefix}}.{{tenant}}.{name}"
        assert set(channel["parameters"]) == {"prefix", "tenant"}
    assert _pointer(doc, "#/components/parameters/prefix")["default"] == "mbo"


def test_asyncapi_lists_every_message_once_with_headers_and_a_send_operation() -> None:
    doc = _asyncapi_on_disk()
    in_channels = [m for c in doc["channels"].values() for m in c["messages"]]
    assert sorted(in_channels) == ALL_TYPES
    assert sorted(doc["components"]["messages"]) == ALL_TYPES
    headers = doc["components"]["schemas"]["CloudEventHeaders"]
    Draft202012Validator.check_schema(headers)
    assert set(headers["required"]) == {
        "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time", "ce_dataschema",
        "ce_tenant", "ce_entityversion", "ce_specversion", "content-type",
    }
    operations = doc["operations"].values()
    assert {op["action"] for op in operations} == {"send"}
    assert sorted(m["$ref"].rsplit("/", 1)[1] for op in operations for m in op["messages"]) == (
        ALL_TYPES
    )


def test_every_local_ref_of_the_asyncapi_document_resolves() -> None:
    doc = _asyncapi_on_disk()
    local = [r for r in _refs(doc) if r.startswith("#")]
    assert local
    for ref in local:
        assert _pointer(doc, ref) is not None, ref


def test_every_message_payload_ref_resolves_to_its_schema_file() -> None:
    doc = _asyncapi_on_disk()
    for name, message in doc["components"]["messages"].items():
        target = (SCHEMAS_DIR / message["payload"]["$ref"]).resolve()
        assert target.is_file(), f"{name}: {message['payload']['$ref']} does not exist"
        assert target.parent == SCHEMAS_DIR / "events"
        assert json.loads(target.read_text("utf-8"))["$id"] == dataschema_for(name)


def test_the_served_document_points_its_payloads_at_the_http_paths() -> None:
    doc = asyncapi_document(schema_ref_base="./schemas/events/")
    refs = {m["payload"]["$ref"] for m in doc["components"]["messages"].values()}
    assert refs == {f"./schemas/events/{t}.json" for t in ALL_TYPES}


def test_write_and_check_find_drift_missing_and_stale_files(tmp_path: Path) -> None:
    assert main(["--write", str(tmp_path)]) == 0
    assert check_schemas(tmp_path) == []
    assert write_schemas(tmp_path) == []  # nothing to do the second time
    first = tmp_path / "events" / f"{ALL_TYPES[0]}.json"
    first.write_text("{}", encoding="utf-8")
    (tmp_path / "events" / f"{ALL_TYPES[1]}.json").unlink()
    (tmp_path / "events" / "nl.mbo.catalogue.gone.upserted.v1.json").write_text("{}", "utf-8")
    assert sorted(check_schemas(tmp_path)) == sorted([
        f"differs: events/{ALL_TYPES[0]}.json",
        f"missing: events/{ALL_TYPES[1]}.json",
        "stale: events/nl.mbo.catalogue.gone.upserted.v1.json",
    ])
    assert main(["--check", str(tmp_path)]) == 1
    assert len(write_schemas(tmp_path)) == 3
    assert main(["--check", str(tmp_path)]) == 0
