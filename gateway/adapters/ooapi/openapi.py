"""OpenAPI 3.0 schema objects -> JSON Schema (draft 4), so jsonschema can validate with them.

OOAPI v5 is published as OpenAPI 3.0.3, whose schema objects are "an extended subset" of
JSON Schema (Wright draft 00, close to draft 4). The differences that matter here:

- ``nullable: true`` becomes a ``"null"`` member of ``type`` (and of ``enum``);
- siblings of ``$ref`` are ignored by OpenAPI 3.0, so they are dropped (draft 4 does the same);
- OpenAPI-only keywords (``example``, ``readOnly``, ``discriminator``, ``x-*``, ...) and
  documentation (``description``) are dropped: they never constrain a document.

The conversion only removes keys and never moves a schema, so a JSON Pointer into the
converted document points at the same schema in the official file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

__all__ = ["convert_schema", "convert_spec", "read_yaml"]


class _Yaml12Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML 1.2 scalars: only ``true``/``false`` are booleans, dates stay strings.

    The published profiles write ``enum: [yes, no]`` meaning the strings (the JSON
    documents carry ``"yes"``); YAML 1.1 would read them as booleans.
    """


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def read_yaml(path: Path) -> Any:
    """Parse a YAML file of the standards with YAML 1.2 booleans and no timestamps."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_Yaml12Loader)  # noqa: S506 - a safe loader

#: Keywords that constrain an instance (draft 4 + the two OpenAPI keeps); all else is dropped.
_ASSERTIONS = frozenset({
    "type", "enum", "format", "pattern", "minLength", "maxLength", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
    "uniqueItems", "required", "minProperties", "maxProperties", "title", "default",
})
_SUBSCHEMA = frozenset({"items", "not", "additionalProperties"})
_SUBSCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
_SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties"})


def convert_schema(node: Any) -> Any:
    """Convert one OpenAPI 3.0 schema object (recursively) to a draft 4 JSON Schema.

    Args:
        node: a schema object as parsed from JSON or YAML.

    Returns:
        A new JSON Schema; ``node`` is not changed.
    """
    if not isinstance(node, Mapping):
        # Some published consumer profiles write ``items: string``; read it as a type name.
        return {"type": node} if isinstance(node, str) else node
    if "$ref" in node:
        return {"$ref": node["$ref"]}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SUBSCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {name: convert_schema(sub) for name, sub in value.items()}
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [convert_schema(sub) for sub in value]
        elif key in _SUBSCHEMA:
            out[key] = value if isinstance(value, bool) else convert_schema(value)
        elif key == "required":
            if isinstance(value, list) and value:  # ``required:`` left empty means none
                out[key] = list(value)
        elif key in _ASSERTIONS:
            out[key] = value
    if node.get("nullable") is True:
        _allow_null(out)
    return out


def _allow_null(schema: dict[str, Any]) -> None:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        schema["type"] = [*kind, "null"]
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    if "type" not in schema and "enum" not in schema:
        inner = dict(schema)
        schema.clear()
        schema["anyOf"] = [{"type": "null"}, inner]


def convert_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The schemas of a whole OpenAPI document, converted, at their original pointers.

    Keeps ``components/schemas`` and, for every operation, the schema of each response
    content (``paths/<path>/<method>/responses/<status>/content/<media type>/schema``).
    Responses given as ``$ref`` to ``components/responses`` are resolved in place.

    Args:
        spec: the parsed OpenAPI document.

    Returns:
        A document usable as one ``referencing`` resource.
    """
    components = spec.get("components", {})
    shared_responses = components.get("responses", {})
    paths: dict[str, Any] = {}
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, Mapping) or "responses" not in operation:
                continue
            converted: dict[str, Any] = {}
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = shared_responses[response["$ref"].rsplit("/", 1)[-1]]
                content = {
                    media: {"schema": convert_schema(body["schema"])}
                    for media, body in response.get("content", {}).items()
                    if "schema" in body
                }
                converted[str(status)] = {"content": content}
            paths.setdefault(path, {})[method.lower()] = {"responses": converted}
    schemas = {name: convert_schema(s) for name, s in components.get("schemas", {}).items()}
    return {"components": {"schemas": schemas}, "paths": paths}
