"""Export a tenant's roster as a OneRoster 1.2 CSV bundle (the zip), audited; for API and CLI.

A bulk bundle holds the live roster (``status`` active), so every reference in it
resolves inside it; a delta bundle (``since``) holds what changed after that moment,
deleted objects included as ``tobedeleted``. Users' names are personal data: each chunk
of users is written to the audit log before it goes into the zip (the same entries an API
read of those persons makes), so a failed audit stops the export. roles.csv reads the same
users without their names (no ``person_data``, nothing more to audit).

Example (the CLI)::

    summary = export_bundle(gateway, "roc-a", Path("roc-a.zip"),
                            client_id="cli:operator", issuer="gateway-cli")
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from gateway.adapters.oneroster.audit_reads import record_name_reads
from gateway.adapters.oneroster.csv_bundle import BundleFile, BundleSummary, write_bundle
from gateway.adapters.oneroster.csv_tables import TABLES, role_row_object
from gateway.adapters.oneroster.org_modified import org_modified
from gateway.adapters.oneroster.query import Filter, Predicate
from gateway.adapters.oneroster.roster_collections import USER_ROLES
from gateway.adapters.oneroster.roster_objects import RESOURCES, RosterObjects
from gateway.errors import NotFoundError

if TYPE_CHECKING:
    from gateway.bootstrap import Gateway

__all__ = ["REST_BASE", "export_bundle", "roster_objects"]

#: The path of the rostering REST service (the ``href`` of references in the objects).
REST_BASE = "/ims/oneroster/rostering/v1p2"

_FILES = ("orgs", "academicSessions", "courses", "classes", "users", "roles", "enrollments")
_ROLES = replace(RESOURCES["users"], collection=USER_ROLES)


def roster_objects(gateway: Gateway, tenant: str, base: str = REST_BASE) -> RosterObjects:
    """The tenant's :class:`RosterObjects`.

    Raises:
        NotFoundError: the tenant is not configured.
    """
    config = gateway.settings.tenant(tenant)
    if config is None:
        raise NotFoundError(f"no tenant {tenant}")
    modified = org_modified(gateway.engine, gateway.clock, tenant=config.id, name=config.name,
                            brin=config.brin)
    return RosterObjects(gateway.engine, config, today=gateway.clock().date(), base=base,
                         org_modified=modified)


def _selection(since: datetime | None) -> Filter:
    if since is None:
        return Filter((Predicate("status", "=", "active"),))
    return Filter((Predicate("dateLastModified", ">", since),))


def export_bundle(
    gateway: Gateway,
    tenant: str,
    target: Path | IO[bytes],
    *,
    client_id: str,
    issuer: str,
    since: datetime | None = None,
) -> BundleSummary:
    """Write the tenant's roster as a OneRoster 1.2 CSV zip.

    Args:
        gateway: the composed gateway.
        tenant: whose roster.
        target: a path (created or replaced) or a writable binary stream.
        client_id: who exports (an API client, ``cli:<user>``), for the audit log.
        issuer: who vouches for ``client_id`` (a token issuer, ``gateway-cli``).
        since: a delta of the changes after this aware moment; None for a bulk bundle.

    Returns:
        Rows per data file.

    Raises:
        NotFoundError: the tenant is not configured.
    """
    objects = roster_objects(gateway, tenant)
    where = _selection(since)
    if since is not None and since.tzinfo is None:
        raise ValueError("since must be an aware datetime")

    def users() -> Iterator[list[dict[str, Any]]]:
        for chunk in objects.stream(RESOURCES["users"], where):
            record_name_reads(gateway.engine, gateway.clock, tenant=tenant, client_id=client_id,
                              issuer=issuer, person_ids=[u["sourcedId"] for u in chunk])
            yield chunk

    def roles() -> Iterator[list[dict[str, Any]]]:  # the same users, without their names
        for chunk in objects.stream(_ROLES, where):
            yield [role_row_object(tenant, user) for user in chunk]

    chunks = {name: objects.stream(RESOURCES[name], where) for name in _FILES
              if name not in {"users", "roles"}}
    chunks.update(users=users(), roles=roles())
    files = [BundleFile(TABLES[name], chunks[name]) for name in _FILES]
    if isinstance(target, Path):
        with target.open("wb") as out:
            return write_bundle(out, tenant, files, delta=since is not None)
    return write_bundle(target, tenant, files, delta=since is not None)


