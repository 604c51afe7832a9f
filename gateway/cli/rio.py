"""``gateway rio``: deliver the catalogue to DUO's RIO and compare the two."""

from __future__ import annotations

import typer

from gateway.cli.support import built_gateway

__all__ = ["rio_app"]

rio_app = typer.Typer(help="DUO's RIO: deliver the catalogue, compare with RIO.",
                      no_args_is_help=True)


@rio_app.command("deliver")
def rio_deliver(tenant: str) -> None:
    """Deliver the tenant's pending catalogue changes to RIO once."""
    from gateway.sync.rio_commands import deliver_to_rio

    with built_gateway() as gateway:
        typer.echo(deliver_to_rio(gateway, tenant).line())


@rio_app.command("diff")
def rio_diff(tenant: str) -> None:
    """List what differs between the gateway's catalogue and RIO's (exit 1 when any)."""
    from gateway.sync.rio_commands import fetch_rio_diff

    with built_gateway() as gateway:
        diff = fetch_rio_diff(gateway, tenant)
    for line in diff.lines():
        typer.echo(line)
    if not diff.in_sync:
        raise typer.Exit(1)
