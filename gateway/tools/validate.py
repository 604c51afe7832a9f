"""``gateway validate``: every error of a document against a standard's official schema.

    errors = validate("rio-v4", data, standards)      # RIO message or SOAP envelope, DUO XSD
    errors = validate("ooapi-v5", data, standards)    # OOAPI object, page or bundle
    for error in errors:
        print(error)                                  # "<location> (line n): <message>"

Locations are XPaths (RIO, with the source line) or JSON Pointers (OOAPI, with the schema
rule that failed in ``schema_path``). A document that cannot be read at all (not JSON, not
well-formed, hostile XML, too large) is one error at the root, so the tool always answers
with a list; it raises only for an unknown standard or missing schema files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.adapters.ooapi.codec import ooapi_schemas
from gateway.adapters.rio.codec import validate_message
from gateway.adapters.rio.xml import UnsafeXmlError
from gateway.adapters.standards import Standards
from gateway.errors import ConfigurationError, ValidationError
from gateway.tools.ooapi_documents import document_parts, read_json

__all__ = ["STANDARDS", "DocumentError", "validate"]

#: The standards ``validate`` knows, as the CLI names them.
STANDARDS = ("rio-v4", "ooapi-v5")


@dataclass(frozen=True)
class DocumentError:
    """One error: where in the document, what is wrong, and (OOAPI) which rule says so."""

    location: str
    message: str
    line: int | None = None
    schema_path: str = ""

    def __str__(self) -> str:
        where = self.location or "/"
        if self.line is not None:
            where += f" (line {self.line})"
        rule = f" [{self.schema_path}]" if self.schema_path else ""
        return f"{where}: {self.message}{rule}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.location, "message": self.message, "line": self.line,
                "schema_path": self.schema_path}


def validate(
    standard: str, document: bytes, standards: Standards, *, schema: str | None = None
) -> list[DocumentError]:
    """Validate ``document`` against the official schema of ``standard``.

    Args:
        standard: ``"rio-v4"`` or ``"ooapi-v5"``.
        document: the file's bytes.
        standards: where the official files are.
        schema: OOAPI only: the schema name to use (``"Program"``, ...) when the document's
            own id key does not tell.

    Returns:
        Every error, in document order; empty when the document is valid.

    Raises:
        ConfigurationError: an unknown standard or schema, or the official files missing.
    """
    if standard == "rio-v4":
        try:
            found = validate_message(document, standards)
        except UnsafeXmlError as exc:
            return [DocumentError("/", f"refused: {exc.message}")]
        return [DocumentError(e.path, e.message, e.line) for e in found]
    if standard == "ooapi-v5":
        return _validate_ooapi(document, standards, schema)
    raise ConfigurationError(f"unknown standard {standard!r}; choose one of {STANDARDS}")


def _validate_ooapi(
    document: bytes, standards: Standards, schema: str | None
) -> list[DocumentError]:
    try:
        parsed = read_json(document)
    except ValidationError as exc:
        return [DocumentError("/", exc.message)]
    schemas = ooapi_schemas(standards)
    if schema is not None and schema not in schemas.schema_names:
        raise ConfigurationError(f"OOAPI v5 has no schema {schema!r}")
    parts = [("", schema, parsed)] if schema else document_parts(parsed)
    errors: list[DocumentError] = []
    for pointer, name, part in parts:
        if name is None:
            errors.append(DocumentError(
                pointer or "/", "cannot tell which OOAPI v5 schema applies (no known id key "
                "such as programId or offeringId); name the schema explicitly"))
            continue
        for error in schemas.validate(name, part):
            errors.append(DocumentError(pointer + error.pointer, error.message,
                                        schema_path=error.schema_path))
    return errors
