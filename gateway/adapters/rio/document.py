"""The frame every RIO V4 message shares: the ``Bedrijfsdocument`` header and serialisation.

Each request and response extends ``Bedrijfsdocument``: a document id, the sending and the
receiving party (OINs), and the moment it was made. The builders
(:mod:`gateway.mappings.rio_v4`, :mod:`gateway.adapters.rio.responses`) start from
:func:`start_message` and append elements in the XSD's order with :func:`add`.

Example::

    header = DocumentHeader.new(sender=tenant.oin)
    root = start_message(BEHEREN_NS, "verwijderen_aangebodenOpleiding_request", header)
    add(root, "aangebodenOpleidingCode", str(offering.id))
    body = serialise(root)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from lxml import etree

from gateway.errors import ConfigurationError, DomainRuleError

__all__ = ["DUO_OIN", "PREFIX", "DocumentHeader", "add", "serialise", "start_message"]

#: DUO's OIN: the receiving party of every RIO request.
DUO_OIN = "00000001800866472000"
#: The prefix used for RIO's namespaces in what the gateway sends (any prefix is valid XML).
PREFIX = "duo"


@dataclass(frozen=True)
class DocumentHeader:
    """``identificatiecodeBedrijfsdocument``, the two parties and ``datumTijdBedrijfsdocument``."""

    document_id: str
    sender: str
    receiver: str
    sent_at: datetime

    @classmethod
    def new(
        cls,
        sender: str | None,
        receiver: str = DUO_OIN,
        *,
        document_id: str | None = None,
        sent_at: datetime | None = None,
    ) -> DocumentHeader:
        """A header for a new message; id and time are fresh unless given (tests, dry runs).

        Raises:
            ConfigurationError: the tenant has no OIN configured.
        """
        if not sender:
            raise ConfigurationError("the tenant has no OIN: set it to deliver to RIO")
        moment = sent_at or datetime.now(UTC)
        if moment.tzinfo is None:
            raise ValueError("sent_at must carry a time zone")
        return cls(document_id or str(uuid.uuid4()), sender, receiver, moment)


def start_message(namespace: str, name: str, header: DocumentHeader) -> etree._Element:
    """The root element of a message with its Bedrijfsdocument header filled in."""
    root = etree.Element(f"{{{namespace}}}{name}", nsmap={PREFIX: namespace})
    add(root, "identificatiecodeBedrijfsdocument", header.document_id)
    add(root, "verzendendeInstantie", header.sender)
    add(root, "ontvangendeInstantie", header.receiver)
    add(root, "datumTijdBedrijfsdocument", header.sent_at.isoformat(timespec="seconds"))
    return root


def add(
    parent: etree._Element, name: str, value: str | int | date | None = None
) -> etree._Element:
    """Append child ``name`` (in the parent's namespace) holding ``value`` if given.

    Raises:
        DomainRuleError: the value holds characters XML 1.0 cannot carry (NUL, most
            control characters); the canonical text must be cleaned at its source.
    """
    namespace = etree.QName(parent).namespace
    child = etree.SubElement(parent, f"{{{namespace}}}{name}")
    if value is not None:
        try:
            child.text = value.isoformat() if isinstance(value, date) else str(value)
        except ValueError as exc:
            raise DomainRuleError(
                f"{name}: the text holds characters XML cannot carry ({exc})", path=name
            ) from exc
    return child


def serialise(root: etree._Element) -> bytes:
    """UTF-8 bytes with an XML declaration, as sent inside the SOAP body."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
