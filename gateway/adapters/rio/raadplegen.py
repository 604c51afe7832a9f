"""Requests to RIO's Raadplegen service: what RIO holds, for reconciliation.

    build_opvragen(tenant, code, standards=)        -> ``opvragen_aangebodenOpleiding_request``
    build_opvragen_lijst(tenant, page, standards=)  -> one page of
        ``opvragen_aangebodenOpleidingenVanOrganisatie_request`` (pages count from 0)

Like every request the gateway sends, each is validated against DUO's XSD before it is
returned. The answers are read by :mod:`gateway.adapters.rio.responses`.
"""

from __future__ import annotations

from datetime import datetime

from gateway.adapters.rio.codec import RAADPLEGEN_NS, ensure_valid
from gateway.adapters.rio.document import DUO_OIN, DocumentHeader, add, serialise, start_message
from gateway.adapters.standards import Standards
from gateway.errors import ConfigurationError
from gateway.settings import TenantConfig

__all__ = ["build_opvragen", "build_opvragen_lijst"]


def build_opvragen(
    tenant: TenantConfig, aangeboden_opleiding_code: str, *, standards: Standards,
    receiver_oin: str = DUO_OIN, document_id: str | None = None, sent_at: datetime | None = None,
) -> bytes:
    """The ``opvragen_aangebodenOpleiding_request`` for one offering (its canonical id).

    Raises:
        ConfigurationError: the tenant has no OIN.
        RioMessageInvalid: the built message fails the XSD (never returned).
    """
    header = DocumentHeader.new(tenant.oin, receiver_oin, document_id=document_id,
                                sent_at=sent_at)
    root = start_message(RAADPLEGEN_NS, "opvragen_aangebodenOpleiding_request", header)
    add(root, "aangebodenOpleidingCode", str(aangeboden_opleiding_code))
    message = serialise(root)
    ensure_valid(message, standards)
    return message


def build_opvragen_lijst(
    tenant: TenantConfig, page: int = 0, *, standards: Standards, receiver_oin: str = DUO_OIN,
    document_id: str | None = None, sent_at: datetime | None = None,
) -> bytes:
    """``opvragen_aangebodenOpleidingenVanOrganisatie_request`` for the tenant, one page.

    Raises:
        ConfigurationError: the tenant has no OIN or onderwijsaanbiedercode.
        RioMessageInvalid: the built message fails the XSD (never returned).
    """
    if not tenant.onderwijsaanbiedercode:
        raise ConfigurationError(f"tenant {tenant.id} has no onderwijsaanbiedercode")
    header = DocumentHeader.new(tenant.oin, receiver_oin, document_id=document_id,
                                sent_at=sent_at)
    root = start_message(
        RAADPLEGEN_NS, "opvragen_aangebodenOpleidingenVanOrganisatie_request", header
    )
    add(root, "onderwijsaanbiedercode", tenant.onderwijsaanbiedercode)
    add(root, "pagina", page)
    message = serialise(root)
    ensure_valid(message, standards)
    return message
