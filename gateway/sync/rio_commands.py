"""Entry points for RIO that the CLI and ``gateway serve`` call, built from the settings.

    deliver_to_rio(gateway, "roc-a")          # `gateway rio deliver roc-a` -> DeliveryReport
    fetch_rio_diff(gateway, "roc-a")          # `gateway rio diff roc-a`    -> RioDiff
    threads = start_rio_delivery(gateway, stop, interval=30)   # beside the API in serve

Each builds a :class:`RioClient` from the tenant's ``RioTargetConfig`` (mutual TLS and the
signature with its certificate files) and DUO's XSDs from ``settings.standards_dir``.
"""

from __future__ import annotations

import logging
import threading

from gateway.adapters.rio.client import RioClient
from gateway.adapters.rio.values import load_value_lists
from gateway.adapters.standards import Standards, standards_from_env
from gateway.bootstrap import Gateway
from gateway.domain.catalogue import Cohort, ProgrammeOffering
from gateway.errors import ConfigurationError
from gateway.settings import TenantConfig
from gateway.sync.rio_delivery import DeliveryReport, RioDelivery
from gateway.sync.rio_diff import RioDiff, rio_diff

__all__ = ["deliver_to_rio", "fetch_rio_diff", "rio_client_for", "start_rio_delivery"]

log = logging.getLogger(__name__)


def _standards(gateway: Gateway) -> Standards:
    folder = gateway.settings.standards_dir
    return Standards(folder) if folder else standards_from_env()


def _tenant(gateway: Gateway, tenant_id: str) -> TenantConfig:
    tenant = gateway.settings.tenant(tenant_id)
    if tenant is None:
        raise ConfigurationError(f"unknown tenant {tenant_id!r}")
    return tenant


def rio_client_for(gateway: Gateway, tenant_id: str) -> RioClient:
    """The client of a tenant's configured RIO target; the caller closes it.

    Raises:
        ConfigurationError: unknown tenant, no RIO target, no OIN, unreadable certificates.
    """
    target = gateway.settings.rio_target(tenant_id)
    if target is None:
        raise ConfigurationError(f"no RIO target configured for tenant {tenant_id!r}")
    return RioClient(target, _tenant(gateway, tenant_id), _standards(gateway))


def deliver_to_rio(
    gateway: Gateway, tenant_id: str, *, client: RioClient | None = None
) -> DeliveryReport:
    """Deliver every pending catalogue change of a tenant once (``gateway rio deliver``).

    Args:
        gateway: the composed gateway.
        tenant_id: the tenant.
        client: a client to use instead of the configured one (tests, the demo).

    Returns:
        The counts; ``report.line()`` prints them.

    Raises:
        ConfigurationError: see :func:`rio_client_for`.
    """
    own = client is None
    client = client or rio_client_for(gateway, tenant_id)
    try:
        delivery = RioDelivery(gateway, _tenant(gateway, tenant_id), client,
                               standards=_standards(gateway))
        return delivery.run_until_idle()
    finally:
        if own:
            client.close()


def fetch_rio_diff(
    gateway: Gateway, tenant_id: str, *, client: RioClient | None = None
) -> RioDiff:
    """What differs between the tenant's catalogue and what RIO holds (``gateway rio diff``).

    RIO's side comes from ``opvragen_aangebodenOpleidingenVanOrganisatie`` (all pages), so
    offerings RIO holds that the gateway does not know show up too.

    Raises:
        ConfigurationError: see :func:`rio_client_for`.
        UpstreamError: RIO could not be asked (after retries) or refused the query.
    """
    own = client is None
    client = client or rio_client_for(gateway, tenant_id)
    try:
        held = list(client.opvragen_alle())
    finally:
        if own:
            client.close()
    tenant = _tenant(gateway, tenant_id)
    store = gateway.store
    return rio_diff(
        tenant,
        store.list(tenant_id, ProgrammeOffering.kind),
        store.list(tenant_id, Cohort.kind),
        held,
        values=load_value_lists(gateway.settings.rio_value_lists),
    )


def start_rio_delivery(
    gateway: Gateway, stop: threading.Event, *, interval: float = 30.0
) -> list[threading.Thread]:
    """One daemon thread per configured RIO target, delivering until ``stop`` is set.

    A target whose configuration is broken is logged and skipped; the others run.
    """
    threads = []
    for target in gateway.settings.rio_targets:
        try:
            client = rio_client_for(gateway, target.tenant)
        except ConfigurationError as exc:
            log.error("rio delivery for %s not started: %s", target.tenant, exc.message)
            continue
        delivery = RioDelivery(gateway, _tenant(gateway, target.tenant), client,
                               standards=_standards(gateway))

        def run(delivery: RioDelivery = delivery, client: RioClient = client) -> None:
            try:
                delivery.run_forever(stop, interval)
            finally:
                client.close()

        thread = threading.Thread(target=run, name=f"rio-delivery-{target.tenant}",
                                  daemon=True)
        thread.start()
        threads.append(thread)
    return threads
