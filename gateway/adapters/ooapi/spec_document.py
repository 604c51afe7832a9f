"""The official OOAPI v5 document as the gateway validates with it.

:func:`load_spec_document` reads ``ooapi.json`` and converts its schemas to JSON Schema
(:mod:`.openapi`), then makes two readings explicit:

- the lists the mbo profile adds (``GET /offerings``, ``GET /components``) are official
  ``Pagination`` pages whose items follow the official single-item response;
- the offering schemas are told apart by ``offeringType`` (see
  :func:`discriminate_offerings`).
"""

from __future__ import annotations

import json
from typing import Any

from gateway.adapters.ooapi.openapi import convert_spec, read_yaml
from gateway.adapters.standards import Standards
from gateway.errors import ConfigurationError

__all__ = ["MBO_LISTS", "discriminate_offerings", "escape", "load_spec_document"]

#: Lists the mbo profile adds, and the official single-item operation their items follow.
MBO_LISTS = {"/offerings": "/offerings/{offeringId}", "/components": "/components/{componentId}"}
#: The offering schemas and the ``offeringType`` each stands for.
_OFFERING_TYPES = {"ProgramOffering": "program", "CourseOffering": "course",
                   "ComponentOffering": "component"}


def escape(token: str) -> str:
    """A JSON Pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def load_spec_document(standards: Standards) -> tuple[dict[str, Any], dict[str, Any]]:
    """The converted official document and the parsed mbo profile.

    Raises:
        ConfigurationError: a file is missing or unreadable.
    """
    try:
        with standards.ooapi_json.open(encoding="utf-8") as handle:
            spec = json.load(handle)
        mbo = read_yaml(standards.ooapi_mbo_yaml)
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the OOAPI specification: {exc}") from exc
    document = convert_spec(spec)
    add_mbo_lists(document["paths"])
    discriminate_offerings(document["components"]["schemas"])
    return document, mbo


def add_mbo_lists(paths: dict[str, Any]) -> None:
    """Add the mbo profile's lists as official Pagination with official items."""
    for path, single in MBO_LISTS.items():
        if path in paths or single not in paths:
            continue
        item_pointer = "/".join(("/paths", escape(single), "get", "responses", "200",
                                 "content", "application~1json", "schema"))
        page = {"allOf": [
            {"$ref": "#/components/schemas/Pagination"},
            {"type": "object", "required": ["items"], "properties": {
                "items": {"type": "array", "items": {"$ref": f"#{item_pointer}"}},
                "ext": {"$ref": "#/components/schemas/Ext"}}},
        ]}
        responses = dict(paths[single]["get"]["responses"])
        responses.pop("404", None)
        responses["200"] = {"content": {"application/json": {"schema": page}}}
        paths[path] = {"get": {"responses": responses}}


def discriminate_offerings(schemas: dict[str, Any]) -> None:
    """Read the offerings' ``oneOf`` as discriminated by ``offeringType``.

    ``GET /offerings/{offeringId}`` answers ``oneOf [CourseOffering, ComponentOffering,
    ProgramOffering]``, but a program offering (``startDate``, ``endDate``) is also a
    valid CourseOffering, so under plain JSON Schema no program offering could ever pass.
    ``offeringType`` ("The type of this offering") is what tells them apart, so each
    offering schema's own part (``allOf/1``) also requires its ``offeringType`` value.
    An error there has a ``schema_path`` ending in ``properties/offeringType/enum``.
    """
    for name, offering_type in _OFFERING_TYPES.items():
        own = schemas.get(name, {}).get("allOf", [None, None])[1]
        if isinstance(own, dict):
            own.setdefault("properties", {})["offeringType"] = {"enum": [offering_type]}
