"""OOAPI v5 (Open Education API) with the mbo profile (NED-OOAPI): validation of documents.

- :mod:`.codec`: :class:`OoapiSchemas` / :func:`ooapi_schemas` validate documents and
  responses against the official ``ooapi.json`` and the consumer profiles;
- :mod:`.schema_errors`: :class:`SchemaError` (pointer, schema_path, message);
- :mod:`.spec_document`, :mod:`.openapi`: the official document converted to JSON Schema;
- :mod:`.fastcheck`: the compiled yes/no fast path in front of jsonschema;
- :mod:`.consumers`: the consumer profiles (``rio``, ``nl-test-admin``);
- :mod:`.errors`: :class:`OoapiValidationError`, :class:`OoapiOperationUnknown`.
"""

from gateway.adapters.ooapi.codec import OoapiSchemas, ooapi_schemas
from gateway.adapters.ooapi.consumers import NL_TEST_ADMIN, RIO
from gateway.adapters.ooapi.errors import OoapiOperationUnknown, OoapiValidationError
from gateway.adapters.ooapi.schema_errors import SchemaError, errors_by_item

__all__ = [
    "NL_TEST_ADMIN",
    "RIO",
    "OoapiOperationUnknown",
    "OoapiSchemas",
    "OoapiValidationError",
    "SchemaError",
    "errors_by_item",
    "ooapi_schemas",
]
