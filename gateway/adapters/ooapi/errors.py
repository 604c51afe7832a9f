"""Errors of the OOAPI adapter, placed in the gateway's exception tree.

    ConfigurationError
     +-- OoapiOperationUnknown   asked for a schema or operation OOAPI v5 does not define
    ValidationError
     +-- OoapiValidationError    a document does not conform; carries every SchemaError
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gateway.errors import ConfigurationError, ValidationError

if TYPE_CHECKING:
    from gateway.adapters.ooapi.schema_errors import SchemaError

__all__ = ["OoapiOperationUnknown", "OoapiValidationError"]


class OoapiOperationUnknown(ConfigurationError):
    """The official document has no such schema, path, method or status (a bug or wrong spec)."""

    code = "ooapi-operation-unknown"


class OoapiValidationError(ValidationError):
    """A document does not validate; ``path`` is the first error's JSON Pointer."""

    code = "ooapi-document-invalid"

    def __init__(self, errors: Sequence[SchemaError]) -> None:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(
            f"{first.pointer or '/'}: {first.message}{more}",
            path=first.pointer,
            errors=[e.as_dict() for e in errors],
        )
        self.schema_errors = list(errors)
        self.schema_path = first.schema_path
