"""A yes/no check compiled from a draft 4 JSON Schema into Python closures: the fast path.

jsonschema walks a schema anew for every document (about 0.7 ms for an OOAPI offering);
syncing a 10,000-item catalogue needs far less. :func:`compile_check` turns a schema into
one closure per keyword, once, and answers only *whether* a document is valid. The codec
asks it first and lets jsonschema explain the (rare) invalid documents, so errors keep
jsonschema's exact locations and the fast path only has to agree on validity; a test
checks that agreement on valid and broken documents.

Supported: the draft 4 keywords kept by :mod:`.openapi` (``$ref`` local to one document,
recursion included). A schema with any other keyword raises :class:`Unsupported`, and the
codec then uses jsonschema alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from jsonschema import FormatChecker

__all__ = ["Check", "Unsupported", "compile_check"]

Check = Callable[[Any], bool]

_IGNORED = frozenset({"title", "default", "description"})
_Sized = type[str] | type[list[Any]] | type[dict[str, Any]]
_SIZED: dict[str, _Sized] = {"minLength": str, "maxLength": str, "minItems": list,
                             "maxItems": list, "minProperties": dict, "maxProperties": dict}


class Unsupported(Exception):
    """The schema uses a keyword the fast path does not implement."""


def _is_type(name: str) -> Check:
    checks: dict[str, Check] = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
        # Draft 4: an integer is an int (1.0 is not), and a bool is neither.
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    }
    if name not in checks:
        raise Unsupported(f"type {name!r}")
    return checks[name]


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``True`` is not ``1``; containers compare member-wise."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class _Compiler:
    def __init__(self, document: Any, formats: FormatChecker) -> None:
        self.document = document
        self.formats = formats
        self.by_pointer: dict[str, Check] = {}

    def ref(self, ref: str) -> Check:
        if "#" not in ref:
            raise Unsupported(f"$ref {ref!r}")
        pointer = unquote(ref.split("#", 1)[1])
        if pointer not in self.by_pointer:
            slot: list[Check] = []
            self.by_pointer[pointer] = lambda v: slot[0](v)  # recursion: bound below
            node = self.document
            for raw in pointer.split("/")[1:]:
                token = raw.replace("~1", "/").replace("~0", "~")
                node = node[int(token)] if isinstance(node, list) else node[token]
            slot.append(self.schema(node))
        return self.by_pointer[pointer]

    def schema(self, node: Any) -> Check:
        if node is True or node == {}:
            return lambda v: True
        if not isinstance(node, Mapping):
            raise Unsupported(f"schema {node!r}")
        if "$ref" in node:
            return self.ref(str(node["$ref"]))
        if "patternProperties" in node:
            raise Unsupported("patternProperties")
        checks = [self.keyword(key, value, node) for key, value in node.items()
                  if key not in _IGNORED and key not in ("exclusiveMinimum", "exclusiveMaximum",
                                                          "additionalProperties",
                                                          "patternProperties")]
        if "additionalProperties" in node:
            checks.append(self.additional(node))
        return _all_of([c for c in checks if c is not None])

    def keyword(self, key: str, value: Any, node: Mapping[str, Any]) -> Check | None:
        if key == "type":
            names = value if isinstance(value, list) else [value]
            tests = [_is_type(n) for n in names]
            return tests[0] if len(tests) == 1 else _any_of(tests)
        if key == "enum":
            members = list(value)
            if all(isinstance(m, str) for m in members):
                allowed = frozenset(members)
                return lambda v: isinstance(v, str) and v in allowed
            return lambda v: any(_same(v, m) for m in members)
        if key == "format":
            name, formats = str(value), self.formats
            if name not in formats.checkers:
                return None
            return lambda v: formats.conforms(v, name)
        if key == "pattern":
            search = re.compile(value).search
            return lambda v: not isinstance(v, str) or search(v) is not None
        if key in _SIZED:
            kind, bound = _SIZED[key], int(value)
            if key.startswith("min"):
                return lambda v: not isinstance(v, kind) or len(v) >= bound
            return lambda v: not isinstance(v, kind) or len(v) <= bound
        if key in ("minimum", "maximum"):
            flag = "exclusiveMinimum" if key == "minimum" else "exclusiveMaximum"
            return self.bound(key, value, bool(node.get(flag)))
        if key == "multipleOf":
            return _multiple_of(value)
        if key == "required":
            required = tuple(value)
            return lambda v: not isinstance(v, dict) or all(n in v for n in required)
        if key == "properties":
            props = {name: self.schema(sub) for name, sub in value.items()}

            def each_property(v: Any) -> bool:
                if not isinstance(v, dict):
                    return True
                for k in props.keys() & v.keys():  # noqa: SIM110 - faster than all()
                    if not props[k](v[k]):
                        return False
                return True
            return each_property
        if key == "items":
            if isinstance(value, list):
                each = [self.schema(sub) for sub in value]
                return lambda v: not isinstance(v, list) or all(
                    c(x) for c, x in zip(each, v, strict=False))
            item = self.schema(value)

            def each_item(v: Any) -> bool:
                if not isinstance(v, list):
                    return True
                for x in v:  # noqa: SIM110 - faster than all()
                    if not item(x):
                        return False
                return True
            return each_item
        if key in ("allOf", "anyOf", "oneOf"):
            subs = [self.schema(sub) for sub in value]
            if key == "allOf":
                return _all_of(subs)
            if key == "anyOf":
                return _any_of(subs)
            return lambda v: sum(1 for s in subs if s(v)) == 1
        if key == "not":
            sub = self.schema(value)
            return lambda v: not sub(v)
        raise Unsupported(f"keyword {key!r}")

    def bound(self, key: str, limit: Any, exclusive: bool) -> Check:
        if key == "minimum":
            if exclusive:
                return lambda v: not _number(v) or v > limit
            return lambda v: not _number(v) or v >= limit
        if exclusive:
            return lambda v: not _number(v) or v < limit
        return lambda v: not _number(v) or v <= limit

    def additional(self, node: Mapping[str, Any]) -> Check:
        known = frozenset(node.get("properties", {}))
        extra = node["additionalProperties"]
        if extra is True:
            return lambda v: True
        if extra is False:
            return lambda v: not isinstance(v, dict) or v.keys() <= known
        sub = self.schema(extra)
        return lambda v: not isinstance(v, dict) or all(
            sub(v[k]) for k in v.keys() - known)


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)

    def every(value: Any) -> bool:
        for check in checks:  # noqa: SIM110 - faster than all()
            if not check(value):
                return False
        return True
    return every


def _any_of(checks: list[Check]) -> Check:
    def some(value: Any) -> bool:
        for check in checks:  # noqa: SIM110 - faster than any()
            if check(value):
                return True
        return False
    return some


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _multiple_of(step: Any) -> Check:
    """As jsonschema decides it: float steps by the quotient, int steps by the remainder."""
    def check(value: Any) -> bool:
        if not _number(value):
            return True
        if isinstance(step, float):
            quotient = value / step
            try:
                return bool(int(quotient) == quotient)
            except OverflowError:
                return False
        return not value % step
    return check


def compile_check(schema: Any, document: Any, formats: FormatChecker) -> Check:
    """Compile ``schema`` (whose ``$ref``s point into ``document``) to a validity check.

    Raises:
        Unsupported: the schema uses a keyword the fast path does not implement.
    """
    return _Compiler(document, formats).schema(schema)
