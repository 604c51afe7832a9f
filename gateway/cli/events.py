"""``gateway events`` and ``gateway clients``: read the event log; register API clients."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from gateway.cli.support import settings_engine

__all__ = ["clients_app", "events_app"]

events_app = typer.Typer(help="Read the event log.", no_args_is_help=True)
clients_app = typer.Typer(help="Manage OAuth2 clients per tenant.", no_args_is_help=True)


@events_app.command("tail")
def events_tail(
    tenant: str,
    after: Annotated[int, typer.Option(help="start after this cursor")] = 0,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="keep waiting")] = False,
) -> None:
    """Print a tenant's events as JSON lines (CloudEvents structured mode)."""
    from gateway.events.log import EventLog
    from gateway.events.tail import tail

    with settings_engine() as (_, engine), contextlib.suppress(KeyboardInterrupt):
        tail(EventLog(engine), tenant, after=after, follow=follow)


@clients_app.command("add")
def clients_add(
    tenant: str,
    client_id: str,
    scope: Annotated[list[str], typer.Option(help="a scope; repeat for more")],
) -> None:
    """Register a client for a tenant; prints its secret once."""
    from gateway.api.auth.clients import ClientRegistry

    with settings_engine() as (settings, engine):
        secret = ClientRegistry(engine, [t.id for t in settings.tenants]).register(
            tenant, client_id, scope
        )
    typer.echo(f"client_id={client_id}\nclient_secret={secret}")
