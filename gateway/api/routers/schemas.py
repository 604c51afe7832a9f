"""The event contract over HTTP: the JSON Schema of each event type and the AsyncAPI document.

Public (no token): a schema describes the shape of events, not any tenant's data. Everything
is generated from the code once and kept in memory; a name selects a known event type and is
never used to build a file path.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.errors import NotFoundError
from gateway.events.asyncapi import asyncapi_document, asyncapi_yaml
from gateway.events.schemas import event_schemas, schema_json
from gateway.events.types import dataschema_for

__all__ = ["router"]

router = APIRouter(tags=["schemas"])

SCHEMA_MEDIA_TYPE = "application/schema+json"
_CACHE = {"Cache-Control": "public, max-age=300"}
#: Payload ``$ref``s of the served AsyncAPI document, relative to ``/asyncapi.yaml``.
_SERVED_SCHEMA_BASE = "./schemas/events/"


@cache
def _schemas() -> dict[str, tuple[str, bytes]]:
    """Title and file body per event type."""
    return {
        type_: (schema["title"], schema_json(schema).encode("utf-8"))
        for type_, schema in event_schemas().items()
    }


@cache
def _asyncapi() -> tuple[bytes, bytes]:
    """The served AsyncAPI document as YAML and as JSON."""
    doc = asyncapi_document(schema_ref_base=_SERVED_SCHEMA_BASE)
    as_json = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return asyncapi_yaml(doc).encode("utf-8"), as_json.encode("utf-8")


@router.get("/schemas/events", name="event_schema_index")
def list_event_schemas(request: Request) -> dict[str, list[dict[str, Any]]]:
    """Every event type with its `dataschema` URN and where its JSON Schema is served."""
    return {
        "schemas": [
            {
                "type": type_,
                "title": title,
                "dataschema": dataschema_for(type_),
                "url": str(request.url_for("event_schema", name=type_)),
            }
            for type_, (title, _) in _schemas().items()
        ]
    }


@router.get(
    "/schemas/events/{name}.json",
    name="event_schema",
    response_class=Response,
    responses={200: {"content": {SCHEMA_MEDIA_TYPE: {}}}, 404: {"description": "Unknown type"}},
)
def get_event_schema(name: str) -> Response:
    """The JSON Schema (draft 2020-12) of the data of one event type.

    Raises:
        NotFoundError: `name` is not a known event type.
    """
    found = _schemas().get(name)
    if found is None:
        raise NotFoundError("no event type of that name; see /schemas/events")
    return Response(found[1], media_type=SCHEMA_MEDIA_TYPE, headers=_CACHE)


@router.get(
    "/asyncapi.yaml",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}}},
)
def get_asyncapi_yaml() -> Response:
    """The AsyncAPI 3.0 document of every channel and message."""
    return Response(_asyncapi()[0], media_type="application/yaml", headers=_CACHE)


@router.get(
    "/asyncapi.json",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def get_asyncapi_json() -> Response:
    """The AsyncAPI 3.0 document, as JSON."""
    return Response(_asyncapi()[1], media_type="application/json", headers=_CACHE)
