"""``gateway persons`` and ``gateway audit``: the right to erasure, and the log of who read
whose personal data (ids only, as every log of the gateway)."""

from __future__ import annotations

from typing import Annotated

import typer

from gateway.cli.support import built_gateway

__all__ = ["audit_app", "persons_app"]

persons_app = typer.Typer(help="Persons: the right to erasure.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log of personal-data reads and erasures.",
                        no_args_is_help=True)


@persons_app.command("erase")
def persons_erase(tenant: str, person_id: str) -> None:
    """Erase a person's personal data everywhere the gateway keeps it (a tombstone event)."""
    import getpass
    from uuid import UUID

    from gateway.sync.erasure import erase_person

    with built_gateway() as gateway:
        report = erase_person(gateway, tenant, UUID(person_id),
                              client_id=f"cli:{getpass.getuser()}", issuer="gateway-cli")
        typer.echo(report.line())


@audit_app.command("list")
def audit_list(
    tenant: str,
    person: Annotated[str | None, typer.Option(help="only this person id")] = None,
    after: Annotated[int, typer.Option(help="start after this entry")] = 0,
    limit: Annotated[int, typer.Option(help="at most this many")] = 100,
) -> None:
    """List audit entries (ids only) of a tenant."""
    from uuid import UUID

    from gateway.store.audit import AuditLog

    with built_gateway() as gateway:
        entries = AuditLog(gateway.engine).list(
            tenant, person=UUID(person) if person else None, after=after, limit=limit)
        for entry in entries:
            typer.echo(entry.line())
