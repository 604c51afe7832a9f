"""Validate OOAPI v5 documents against the official ``ooapi.json`` and the consumer profiles.

Build one :class:`OoapiSchemas` per standards folder (``ooapi_schemas(standards)`` caches
it); each validator is compiled on first use and kept, so validating a 10,000-item
catalogue costs the validation only::

    schemas = ooapi_schemas(Standards(settings.standards_dir))
    for error in schemas.validate("Program", program):
        print(error.pointer, error.schema_path, error.message)
    errors = schemas.validate_response("/programs", "get", 200, page)
    bad_items = errors_by_item(errors)          # {3: [SchemaError(...)], ...}

A :class:`SchemaError` names the place in the document (``pointer``, a JSON Pointer), the
place in the official schema (``schema_path``, e.g.
``ooapi-v5/ooapi.json#/components/schemas/ProgramProperties/properties/name/minItems``)
and what is wrong (``message``). Messages never quote the document's values: they go
to logs and to the quarantine's reason, and documents may hold personal data.

Besides the official schema, an entry of a ``consumers`` array whose ``consumerKey`` has
a published profile (``rio``, ``nl-test-admin``) is validated against that profile.
``/offerings`` and ``/components`` are lists the mbo profile adds: their pages are
validated as the official ``Pagination`` with items of the official single-item response.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from gateway.adapters.ooapi.consumers import CONSUMER_OBJECT_OF, load_consumer_profiles
from gateway.adapters.ooapi.errors import OoapiOperationUnknown, OoapiValidationError
from gateway.adapters.ooapi.fastcheck import Check, Unsupported, compile_check
from gateway.adapters.ooapi.formats import FORMAT_CHECKER
from gateway.adapters.ooapi.schema_errors import SchemaError, describe, errors_by_item
from gateway.adapters.ooapi.spec_document import MBO_LISTS, load_spec_document
from gateway.adapters.ooapi.spec_document import escape as _escape
from gateway.adapters.standards import Standards

__all__ = ["OoapiSchemas", "SchemaError", "errors_by_item", "ooapi_schemas"]

_URI = "urn:ooapi-v5"
_SOURCE = "ooapi-v5/ooapi.json#"
_JSON_MEDIA = ("application/json", "application/problem+json")


class OoapiSchemas:
    """Compiled validators for the official OOAPI v5 schemas (see the module docstring).

    Args:
        standards: the folder of official files.
        fast: answer valid documents with the compiled fast path (:mod:`.fastcheck`);
            False validates with jsonschema alone (tests compare the two).

    Raises:
        ConfigurationError: a file is missing or unreadable (from ``gateway.errors``).
    """

    def __init__(self, standards: Standards, *, fast: bool = True) -> None:
        self._fast_enabled = fast
        self._document, mbo = load_spec_document(standards)
        self._paths: dict[str, Any] = self._document["paths"]
        resource = Resource.from_contents(self._document, default_specification=DRAFT4)
        self._registry: Registry[Any] = Registry().with_resource(_URI, resource)
        self._profiles = load_consumer_profiles(standards, mbo)
        self._profile_validators = {
            key: Draft4Validator(p.schema, format_checker=FORMAT_CHECKER)
            for key, p in self._profiles.items()
        }
        self._profile_checks = {key: _fast(p.schema, p.schema) if fast else None
                                for key, p in self._profiles.items()}
        self._validators: dict[str, tuple[Draft4Validator, Check | None]] = {}

    # -- public API ---------------------------------------------------------------------

    @property
    def schema_names(self) -> list[str]:
        """Names of the official component schemas (``Program``, ``Offering``, ...)."""
        return sorted(self._document["components"]["schemas"])

    def validate(self, schema_name: str, document: Any) -> list[SchemaError]:
        """Every error of ``document`` against ``#/components/schemas/<schema_name>``.

        Args:
            schema_name: an official schema name, e.g. ``"Program"`` or ``"Offering"``.
            document: the parsed JSON document.

        Returns:
            The errors, empty when the document is valid.

        Raises:
            OoapiOperationUnknown: the official document has no such schema.
        """
        if schema_name not in self._document["components"]["schemas"]:
            raise OoapiOperationUnknown(f"OOAPI v5 has no schema {schema_name!r}")
        pointer = f"/components/schemas/{_escape(schema_name)}"
        errors = self._run(pointer, document)
        errors.extend(self._consumer_errors(CONSUMER_OBJECT_OF.get(schema_name), document, ""))
        return errors

    def has_fast_path(self, schema_name: str) -> bool:
        """Whether valid documents of this schema are answered by the compiled fast path."""
        return self._validator(f"/components/schemas/{_escape(schema_name)}")[1] is not None

    def check(self, schema_name: str, document: Any) -> None:
        """Like :meth:`validate`, raising :class:`OoapiValidationError` on the first errors."""
        errors = self.validate(schema_name, document)
        if errors:
            raise OoapiValidationError(errors)

    def validate_response(
        self, path_template: str, method: str, status: int, document: Any
    ) -> list[SchemaError]:
        """Every error of a response body against the schema the spec gives that response.

        Args:
            path_template: the path as the spec writes it, e.g. ``"/programs/{programId}"``.
            method: the HTTP method, any case.
            status: the HTTP status of the response.
            document: the parsed body.

        Returns:
            The errors, empty when the body is valid. Pointers of list items start with
            ``/items/<index>``; see :func:`errors_by_item`.

        Raises:
            OoapiOperationUnknown: the spec has no JSON response for this operation/status.
        """
        pointer = self._response_pointer(path_template, method.lower(), str(status))
        errors = self._run(pointer, document)
        item_object = self._item_consumer_object(path_template, method.lower(), str(status))
        if item_object and isinstance(document, Mapping):
            if isinstance(document.get("items"), list):
                for index, item in enumerate(document["items"]):
                    errors.extend(self._consumer_errors(item_object, item, f"/items/{index}"))
            elif "items" not in document:
                errors.extend(self._consumer_errors(item_object, document, ""))
        return errors

    def item_schema_name(self, path_template: str) -> str | None:
        """The official schema of the items of a paged list (``/programs`` -> ``Program``)."""
        if path_template in MBO_LISTS:
            return "Offering" if path_template == "/offerings" else "Component"
        try:
            schema = self._paths[path_template]["get"]["responses"]["200"]["content"][
                "application/json"]["schema"]
            ref: str = schema["allOf"][1]["properties"]["items"]["items"]["$ref"]
        except (KeyError, IndexError, TypeError):
            return None
        return ref.rsplit("/", 1)[-1]

    # -- internals ----------------------------------------------------------------------

    def _validator(self, pointer: str) -> tuple[Draft4Validator, Check | None]:
        compiled = self._validators.get(pointer)
        if compiled is None:
            root = {"$ref": f"{_URI}#{pointer}"}
            validator = Draft4Validator(root, registry=self._registry,
                                        format_checker=FORMAT_CHECKER)
            check = _fast(root, self._document) if self._fast_enabled else None
            compiled = self._validators[pointer] = (validator, check)
        return compiled

    def _run(self, pointer: str, document: Any) -> list[SchemaError]:
        validator, fast = self._validator(pointer)
        if fast is not None and fast(document):
            return []
        return [describe(e, validator.schema, _SOURCE, document=self._document)
                for e in validator.iter_errors(document)]

    def _consumer_errors(
        self, object_name: str | None, document: Any, prefix: str
    ) -> Iterable[SchemaError]:
        if object_name is None or not isinstance(document, Mapping):
            return []
        entries = document.get("consumers")
        if not isinstance(entries, list):
            return []
        found: list[SchemaError] = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                continue
            key = (str(entry.get("consumerKey")), object_name)
            validator = self._profile_validators.get(key)
            if validator is None:
                continue
            fast = self._profile_checks[key]
            if fast is not None and fast(entry):
                continue
            source = self._profiles[key].source
            base = f"{prefix}/consumers/{index}"
            found.extend(
                describe(e, self._profiles[key].schema, source, base=base)
                for e in validator.iter_errors(entry))
        return found

    def _response_pointer(self, path: str, method: str, status: str) -> str:
        try:
            content = self._paths[path][method]["responses"][status]["content"]
        except KeyError:
            raise OoapiOperationUnknown(
                f"OOAPI v5 defines no response {status} for {method.upper()} {path}") from None
        for media in _JSON_MEDIA:
            if media in content:
                return "/".join(("/paths", _escape(path), method, "responses", status,
                                 "content", _escape(media), "schema"))
        raise OoapiOperationUnknown(f"no JSON body for {status} of {method.upper()} {path}")

    def _item_consumer_object(self, path: str, method: str, status: str) -> str | None:
        if status != "200" or method != "get":
            return None
        name = self.item_schema_name(path)
        if name is None:
            schema = self._paths[path][method]["responses"][status]["content"].get(
                "application/json", {}).get("schema", {})
            ref = schema.get("$ref", "")
            name = ref.rsplit("/", 1)[-1] if ref else None
            if name is None and "oneOf" in schema:
                name = "Offering" if path.startswith("/offerings/") else None
        return CONSUMER_OBJECT_OF.get(name) if name else None


def _fast(schema: Any, document: Any) -> Check | None:
    """The compiled fast path of a schema, or None when it uses what the fast path lacks."""
    try:
        return compile_check(schema, document, FORMAT_CHECKER)
    except Unsupported:
        return None


@functools.lru_cache(maxsize=4)
def ooapi_schemas(standards: Standards) -> OoapiSchemas:
    """The :class:`OoapiSchemas` of a standards folder, built once per process."""
    return OoapiSchemas(standards)
