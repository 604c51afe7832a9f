"""XSD validation of RIO V4 messages against DUO's official schemas, every error located.

The schemas are the published files (``Standards.rio_beheren_xsd`` for aanleveren/verwijderen,
``Standards.rio_raadplegen_xsd`` for opvragen), loaded once per process, offline. Which one
applies follows from the root element's namespace; a whole SOAP 1.1 envelope is accepted too
and its body's first element is validated.

    validate_message(xml_bytes, standards)  -> list[XsdError]   (empty = valid)
    ensure_valid(xml_bytes, standards)      -> None, or raises RioMessageInvalid

Hostile documents are never validated: :func:`gateway.adapters.rio.xml.parse_xml` refuses
them first (``UnsafeXmlError``). A document that is not well-formed comes back as one
``XsdError`` holding the parser's line.

Example::

    errors = validate_message(body, standards)
    for error in errors:
        print(f"{error.path} (line {error.line}): {error.message}")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import xmlschema
from lxml import etree

from gateway.adapters.rio.xml import MalformedXmlError, line_of, load_schema, parse_xml
from gateway.adapters.standards import Standards
from gateway.errors import ValidationError

__all__ = [
    "BEHEREN_NS",
    "RAADPLEGEN_NS",
    "SOAP11_NS",
    "RioMessageInvalid",
    "XsdError",
    "ensure_valid",
    "schema_for",
    "validate_element",
    "validate_message",
]

BEHEREN_NS = "http://duo.nl/schema/DUO_RIO_Beheren_OnderwijsOrganisatie_V4"
RAADPLEGEN_NS = "http://duo.nl/schema/DUO_RIO_Raadplegen_OnderwijsOrganisatie_V4"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"

_VALUE_SHOWN = 80


@dataclass(frozen=True)
class XsdError:
    """One schema violation: where (XPath and source line) and what the XSD says."""

    path: str
    line: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.path} (line {self.line})" if self.line else self.path
        return f"{where}: {self.message}"


class RioMessageInvalid(ValidationError):
    """A message the gateway built fails DUO's XSD: it is never sent.

    Either the mapping has a bug or the canonical data holds something RIO cannot (a name
    longer than 225 characters, ...). ``errors`` lists every XSD error with its location.
    """

    code = "rio-message-invalid"

    def __init__(self, errors: list[XsdError]) -> None:
        first = errors[0]
        super().__init__(
            f"RIO message fails the XSD ({len(errors)} error(s)); first: {first}",
            path=first.path,
            errors=[e.as_dict() for e in errors],
        )
        self.xsd_errors = errors


def schema_for(namespace: str | None, standards: Standards) -> xmlschema.XMLSchema | None:
    """The official schema of a RIO namespace, or None for any other namespace."""
    if namespace == BEHEREN_NS:
        return load_schema(standards.rio_beheren_xsd)
    if namespace == RAADPLEGEN_NS:
        return load_schema(standards.rio_raadplegen_xsd)
    return None


def _message_element(root: etree._Element) -> etree._Element | None:
    if etree.QName(root).namespace != SOAP11_NS:
        return root
    body = root.find(f"{{{SOAP11_NS}}}Body")
    if body is None:
        return None
    return next((child for child in body if isinstance(child.tag, str)), None)


def validate_message(xml_bytes: bytes, standards: Standards) -> list[XsdError]:
    """Every XSD error of a RIO message (or of the message inside a SOAP envelope).

    Args:
        xml_bytes: the document as bytes.
        standards: where the official XSDs are.

    Returns:
        The errors in document order, each with XPath, line and the XSD's reason; empty
        when the message is valid.

    Raises:
        UnsafeXmlError: the document is hostile (DTD, entities, too big or too deep).
    """
    try:
        root = parse_xml(xml_bytes)
    except MalformedXmlError as exc:
        return [XsdError(path="/", line=exc.line, message=exc.message)]
    element = _message_element(root)
    if element is None:
        return [XsdError("/", line_of(root), "SOAP envelope without a message in its Body")]
    return validate_element(element, standards)


def validate_element(element: etree._Element, standards: Standards) -> list[XsdError]:
    """Like :func:`validate_message` for an element already parsed (safely)."""
    namespace = etree.QName(element).namespace
    schema = schema_for(namespace, standards)
    if schema is None:
        return [
            XsdError(
                "/" + etree.QName(element).localname,
                line_of(element),
                f"not a RIO V4 message: namespace {namespace!r} is neither Beheren nor "
                "Raadplegen",
            )
        ]
    resource = xmlschema.XMLResource(element, allow="none", defuse="always")
    found: list[XsdError] = []
    seen: set[tuple[str, int | None, str]] = set()
    for exc in schema.iter_errors(resource):
        error = _located(exc)
        key = (error.path, error.line, error.message)
        if key not in seen:  # a facet inherited over several restrictions reports twice
            seen.add(key)
            found.append(error)
    return found


def _located(exc: xmlschema.XMLSchemaValidationError) -> XsdError:
    reason = exc.reason or exc.message
    value = exc.obj
    if isinstance(value, str):
        shown = value if len(value) <= _VALUE_SHOWN else value[:_VALUE_SHOWN] + "..."
        reason = f"value {shown!r}: {reason}"
    line = exc.sourceline if isinstance(exc.sourceline, int) else None
    return XsdError(path=exc.path or "/", line=line, message=reason)


def ensure_valid(xml_bytes: bytes, standards: Standards) -> None:
    """Raise :class:`RioMessageInvalid` unless the message validates against DUO's XSD."""
    errors = validate_message(xml_bytes, standards)
    if errors:
        raise RioMessageInvalid(errors)
