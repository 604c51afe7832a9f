"""One validation failure of an OOAPI document, located in the document and in the schema.

jsonschema reports where an error is in the instance (``absolute_path``) and the keywords
it passed through (``absolute_schema_path``) but not the ``$ref`` hops, so
:func:`describe` walks the converted official document to name the schema location a
reader can open (``ooapi-v5/ooapi.json#/components/schemas/...``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from jsonschema.exceptions import ValidationError as JsonSchemaError
from jsonschema.exceptions import best_match

__all__ = ["SchemaError", "describe", "errors_by_item"]

_TYPE_NAMES = {dict: "object", list: "array", str: "string", bool: "boolean",
               int: "integer", float: "number", type(None): "null"}


@dataclass(frozen=True)
class SchemaError:
    """A document does not conform here (``pointer``) to this rule (``schema_path``)."""

    #: JSON Pointer (RFC 6901) into the document; ``""`` is the whole document.
    pointer: str
    #: The failing keyword in the published schema file, as ``<file>#<JSON Pointer>``.
    schema_path: str
    #: What is wrong, without quoting the document's values.
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.pointer, "schema_path": self.schema_path, "message": self.message}


def _escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _resolve(document: Any, pointer: str) -> Any:
    node = document
    for raw in pointer.split("/")[1:]:
        token = _unescape(raw)
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _follow(node: Any, pointer: str, document: Any) -> tuple[Any, str]:
    """Follow ``$ref`` hops (draft 4: a ``$ref`` object has no other keywords)."""
    hops = 0
    while isinstance(node, Mapping) and "$ref" in node and hops < 64:
        pointer = unquote(str(node["$ref"]).split("#", 1)[1])
        node = _resolve(document, pointer)
        hops += 1
    return node, pointer


def _schema_location(error: JsonSchemaError, root: Any, pointer: str, document: Any) -> str:
    node = root
    for token in error.absolute_schema_path:
        node, pointer = _follow(node, pointer, document)
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            node = None
        pointer = f"{pointer}/{_escape(token)}"
    return pointer


def _message(error: JsonSchemaError) -> str:
    keyword, expected = error.validator, error.validator_value
    if keyword in ("required", "additionalProperties", "dependencies"):
        return str(error.message)
    if keyword == "type":
        actual = _TYPE_NAMES.get(type(error.instance), type(error.instance).__name__)
        return f"expected {expected}, got {actual}"
    if keyword == "enum":
        return f"not one of {expected}"[:300]
    if keyword == "format":
        return f"not a valid {expected}"
    if keyword == "pattern":
        return f"does not match the pattern {expected}"
    if keyword in ("oneOf", "anyOf"):
        return f"matches none of the {keyword} alternatives" if error.context else (
            f"matches more than one of the {keyword} alternatives")
    if keyword in ("minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum",
                   "minProperties", "maxProperties", "multipleOf", "uniqueItems"):
        return f"violates {keyword} {expected}"
    return f"violates {keyword}"


def _cause(error: JsonSchemaError) -> JsonSchemaError:
    """The most specific error: inside a ``oneOf``/``anyOf``, the one alternative of the
    right JSON type (``"id-string" | {object}``), else jsonschema's best match."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        by_branch: dict[Any, list[JsonSchemaError]] = defaultdict(list)
        for sub in error.context:
            by_branch[sub.relative_schema_path[0]].append(sub)
        plausible = [errs for errs in by_branch.values()
                     if not any(e.validator == "type" and not e.relative_path for e in errs)]
        if len(plausible) == 1:
            return _cause(plausible[0][0])
        return error
    return best_match([error]) or error


def describe(
    error: JsonSchemaError,
    root: Any,
    source: str,
    *,
    document: Any = None,
    base: str = "",
) -> SchemaError:
    """Turn a jsonschema error into a :class:`SchemaError`, at its most specific cause.

    Args:
        error: as yielded by ``iter_errors``.
        root: the schema the validator was built with.
        source: the published file (and pointer to ``root`` in it), e.g.
            ``"ooapi-v5/ooapi.json#"``.
        document: the converted document that ``$ref``s point into (default: ``root``).
        base: a JSON Pointer prefixed to the error's location in the instance.

    Returns:
        The located error.
    """
    cause = _cause(error)
    where = base + "".join(f"/{_escape(p)}" for p in cause.absolute_path)
    schema_pointer = _schema_location(cause, root, "", root if document is None else document)
    return SchemaError(pointer=where, schema_path=f"{source}{schema_pointer}",
                       message=_message(cause))


def errors_by_item(errors: Iterable[SchemaError]) -> dict[int | None, list[SchemaError]]:
    """Group the errors of a paged list by item index (``None``: the page itself)."""
    grouped: dict[int | None, list[SchemaError]] = defaultdict(list)
    for error in errors:
        parts = error.pointer.split("/")
        index = int(parts[2]) if len(parts) > 2 and parts[1] == "items" and parts[2].isdigit() \
            else None
        grouped[index].append(error)
    return dict(grouped)
