"""Validate request bodies and responses against the mbo profile of OOAPI v5 (NED-OOAPI).

The profile (``ooapi-v5-mbo/ooapiv5_MBO.yaml``) is what mbo SIS products speak when they
push persons, offerings, associations and groups. Build one :class:`MboProfile` per
standards folder (``mbo_profile(standards)`` caches it)::

    profile = mbo_profile(Standards(settings.standards_dir))
    errors = profile.validate_request("/persons/{personId}", "put", document)
    errors = profile.validate_response("/groups/{groupId}", "get", 200, document)
    profile.scopes("/associations/{associationId}", "patch")
    # ('associations.write', 'nl-test-admin-flow-1-5', 'nl-test-admin-flow-2-3-4')

Errors are :class:`~.schema_errors.SchemaError` s (``pointer`` into the document,
``schema_path`` as ``ooapi-v5-mbo/ooapiv5_MBO.yaml#<pointer>``, a ``message`` that never
quotes the document: persons are personal data). Request bodies are validated exactly as
the profile writes them; responses with the associations told apart by
``associationType`` (see :mod:`.mbo_spec`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import yaml
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from gateway.adapters.ooapi.errors import OoapiOperationUnknown
from gateway.adapters.ooapi.formats import FORMAT_CHECKER
from gateway.adapters.ooapi.mbo_spec import profile_document
from gateway.adapters.ooapi.openapi import read_yaml
from gateway.adapters.ooapi.schema_errors import SchemaError, describe
from gateway.adapters.ooapi.spec_document import escape
from gateway.adapters.standards import Standards
from gateway.errors import ConfigurationError

__all__ = ["SOURCE", "MboProfile", "mbo_profile"]

#: How error reports name the profile's file.
SOURCE = "ooapi-v5-mbo/ooapiv5_MBO.yaml#"
_REQUESTS, _RESPONSES = "urn:ooapi-v5-mbo:requests", "urn:ooapi-v5-mbo:responses"
_JSON_MEDIA = ("application/json", "application/merge-patch+json", "application/problem+json")


class MboProfile:
    """Compiled validators for the mbo profile's operations (see the module docstring).

    Args:
        standards: the folder of official files.

    Raises:
        ConfigurationError: the profile is missing or unreadable.
    """

    def __init__(self, standards: Standards) -> None:
        try:
            spec = read_yaml(standards.ooapi_mbo_yaml)
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"cannot read the mbo profile: {exc}") from exc
        self._paths: dict[str, Any] = spec.get("paths", {})
        self._documents = {
            _REQUESTS: profile_document(spec, discriminate=False),
            _RESPONSES: profile_document(spec, discriminate=True),
        }
        self._registry: Registry[Any] = Registry().with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT4))
            for uri, doc in self._documents.items())
        self._validators: dict[tuple[str, str], Draft4Validator] = {}

    def scopes(self, path_template: str, method: str) -> tuple[str, ...]:
        """Every scope the profile names for an operation, over all its security schemes.

        Raises:
            OoapiOperationUnknown: the profile has no such operation.
        """
        operation = self._operation(path_template, method)
        found = {scope for requirement in operation.get("security") or []
                 for scopes in requirement.values() for scope in scopes}
        return tuple(sorted(found))

    def validate_request(
        self, path_template: str, method: str, document: Any, media: str | None = None
    ) -> list[SchemaError]:
        """Every error of a request body against the operation's body schema.

        Args:
            path_template: as the profile writes it, e.g. ``"/persons/{personId}"``.
            method: the HTTP method, any case.
            document: the parsed body.
            media: the body's media type; default: the one the profile gives.

        Raises:
            OoapiOperationUnknown: the operation has no (JSON) request body.
        """
        operation = self._operation(path_template, method)
        content = operation.get("requestBody", {}).get("content", {})
        media = media if media in content else next((m for m in _JSON_MEDIA if m in content),
                                                    None)
        if media is None:
            raise OoapiOperationUnknown(f"{method.upper()} {path_template} takes no JSON body")
        pointer = "/".join(("/paths", escape(path_template), method.lower(), "requestBody",
                            "content", escape(media), "schema"))
        return self._run(_REQUESTS, pointer, document)

    def validate_response(
        self, path_template: str, method: str, status: int, document: Any
    ) -> list[SchemaError]:
        """Every error of a response body against the schema the profile gives it.

        Raises:
            OoapiOperationUnknown: the profile defines no JSON body for this response.
        """
        operation = self._operation(path_template, method)
        content = (operation["responses"].get(str(status)) or {}).get("content", {})
        media = next((m for m in _JSON_MEDIA if m in content), None)
        if media is None:
            raise OoapiOperationUnknown(
                f"the profile defines no body for {status} of {method.upper()} {path_template}")
        pointer = "/".join(("/paths", escape(path_template), method.lower(), "responses",
                            str(status), "content", escape(media), "schema"))
        return self._run(_RESPONSES, pointer, document)

    def _operation(self, path_template: str, method: str) -> Mapping[str, Any]:
        operation = self._paths.get(path_template, {}).get(method.lower())
        if not isinstance(operation, Mapping):
            raise OoapiOperationUnknown(
                f"the mbo profile has no operation {method.upper()} {path_template}")
        return operation

    def _run(self, uri: str, pointer: str, document: Any) -> list[SchemaError]:
        validator = self._validators.get((uri, pointer))
        if validator is None:
            validator = Draft4Validator({"$ref": f"{uri}#{pointer}"}, registry=self._registry,
                                        format_checker=FORMAT_CHECKER)
            self._validators[(uri, pointer)] = validator
        return [describe(error, validator.schema, SOURCE, document=self._documents[uri])
                for error in validator.iter_errors(document)]


@functools.lru_cache(maxsize=4)
def mbo_profile(standards: Standards) -> MboProfile:
    """The :class:`MboProfile` of a standards folder, built once per process."""
    return MboProfile(standards)
