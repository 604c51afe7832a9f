"""The mbo profile's OpenAPI document (``ooapiv5_MBO.yaml``) as JSON Schema, anchors and all.

The profile is one YAML file without ``$ref``: what other OpenAPI documents share by
reference it shares by YAML anchors (``&ref_15`` ... ``*ref_15``), and some of them are
recursive (an academic session's ``parent`` is an academic session). Parsed, the file is
a graph, not a tree, so it cannot be turned into JSON and then converted like
``ooapi.json`` (:mod:`.openapi`). :func:`profile_document` walks the graph instead:

- schema objects are converted as :func:`.openapi.convert_schema` does (draft 4;
  ``nullable``; documentation, ``readOnly``/``writeOnly`` and ``x-*`` dropped);
- a schema met again inside itself becomes ``{"$ref": "#<where it was first met>"}``,
  which ends the recursion; every other shared schema is converted once and reused;
- nothing moves, so a JSON Pointer into the result points at the same schema in the
  published file, which is what error reports name.

Request bodies are converted as written. For responses (``discriminate=True``) the three
association schemas are told apart by ``associationType``, and the three offering
schemas by ``offeringType``: a programme association without a ``result`` is also a
valid course and component association (a program offering a valid course offering), so
under plain JSON Schema the profile's ``oneOf`` of them would refuse every such document.
The anchors say which inline copy is which schema, so each copy of
``{Program,Course,Component}OfferingAssociation[Expanded]`` and
``{Program,Course,Component}Offering`` also requires its own type (as
:func:`.spec_document.discriminate_offerings` does for ``ooapi.json``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.adapters.ooapi.spec_document import escape

__all__ = ["DISCRIMINATORS", "profile_document"]

_ASSERTIONS = frozenset({
    "type", "enum", "format", "pattern", "minLength", "maxLength", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
    "uniqueItems", "required", "minProperties", "maxProperties", "title", "default",
})
_SUBSCHEMA = frozenset({"items", "not", "additionalProperties"})
_SUBSCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
_SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties"})

#: The profile's association and offering schemas and the type property value each
#: stands for.
DISCRIMINATORS: dict[str, tuple[str, str]] = {
    **{f"{kind.capitalize()}OfferingAssociation{suffix}":
       ("associationType", f"{kind}OfferingAssociation")
       for kind in ("program", "course", "component") for suffix in ("", "Expanded")},
    **{f"{kind.capitalize()}Offering": ("offeringType", kind)
       for kind in ("program", "course", "component")},
}


class _Converter:
    """One conversion of the profile: shared nodes converted once, cycles cut by $ref."""

    def __init__(self, discriminators: Mapping[int, tuple[str, str]]) -> None:
        self._discriminators = discriminators
        self._done: dict[int, Any] = {}
        self._open: dict[int, str] = {}  # node id -> pointer, while it is being converted

    def schema(self, node: Any, pointer: str) -> Any:
        if not isinstance(node, Mapping):
            return {"type": node} if isinstance(node, str) else node
        key = id(node)
        if key in self._open:
            return {"$ref": f"#{self._open[key]}"}
        if key in self._done:
            return self._done[key]
        self._open[key] = pointer
        out: dict[str, Any] = {}
        for name, value in node.items():
            where = f"{pointer}/{escape(str(name))}"
            if name in _SUBSCHEMA_MAPS and isinstance(value, Mapping):
                out[name] = {k: self.schema(v, f"{where}/{escape(str(k))}")
                             for k, v in value.items()}
            elif name in _SUBSCHEMA_LISTS and isinstance(value, list):
                out[name] = [self.schema(v, f"{where}/{i}") for i, v in enumerate(value)]
                found = self._discriminators.get(id(value)) if name == "allOf" else None
                if found is not None:
                    out[name].append({"properties": {found[0]: {"enum": [found[1]]}}})
            elif name in _SUBSCHEMA:
                out[name] = value if isinstance(value, bool) else self.schema(value, where)
            elif name == "required":
                if isinstance(value, list) and value:
                    out[name] = list(value)
            elif name in _ASSERTIONS:
                out[name] = list(value) if isinstance(value, list) else value
        if node.get("nullable") is True:
            _allow_null(out)
        del self._open[key]
        self._done[key] = out
        return out


def _allow_null(schema: dict[str, Any]) -> None:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]


def profile_document(spec: Mapping[str, Any], *, discriminate: bool) -> dict[str, Any]:
    """The schemas of the parsed profile, converted, at their original pointers.

    Keeps ``components/schemas`` and, per operation, the schema of each request body
    (``paths/<path>/<method>/requestBody/content/<media>/schema``) and each response.

    Args:
        spec: the profile as parsed from YAML (anchors shared, not copied).
        discriminate: tell the association schemas apart by ``associationType`` (for
            responses; see the module docstring).

    Returns:
        A document usable as one ``referencing`` resource.
    """
    schemas = spec.get("components", {}).get("schemas", {})
    discriminators: dict[int, tuple[str, str]] = {}
    if discriminate:
        discriminators = {id(schemas[name]["allOf"]): found
                          for name, found in DISCRIMINATORS.items()
                          if isinstance(schemas.get(name), Mapping) and "allOf" in schemas[name]}
    convert = _Converter(discriminators)
    paths: dict[str, Any] = {}
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, Mapping) or "responses" not in operation:
                continue
            base = f"/paths/{escape(path)}/{method.lower()}"
            converted: dict[str, Any] = {"responses": {}}
            body = operation.get("requestBody", {}).get("content", {})
            if body:
                converted["requestBody"] = {"content": {
                    media: {"schema": convert.schema(
                        entry["schema"], f"{base}/requestBody/content/{escape(media)}/schema")}
                    for media, entry in body.items() if "schema" in entry}}
            for status, response in operation["responses"].items():
                content = {
                    media: {"schema": convert.schema(
                        entry["schema"],
                        f"{base}/responses/{status}/content/{escape(media)}/schema")}
                    for media, entry in (response or {}).get("content", {}).items()
                    if "schema" in entry}
                converted["responses"][str(status)] = {"content": content}
            paths.setdefault(path, {})[method.lower()] = converted
    components = {name: convert.schema(s, f"/components/schemas/{escape(name)}")
                  for name, s in schemas.items()}
    return {"components": {"schemas": components}, "paths": paths}
