"""The ``gateway`` command: serve, demo, migrate, events, clients, dlq.

Later issues add their commands (``sync``, ``translate``, ``validate``, ``rio``) as
sub-apps here, next to these.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import pydantic
import typer

from gateway.settings import Settings

__all__ = ["app"]

app = typer.Typer(name="gateway", help="mbo-gateway: koppelvlakken of Dutch mbo, in one place.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
events_app = typer.Typer(help="Read the event log.", no_args_is_help=True)
clients_app = typer.Typer(help="Manage OAuth2 clients per tenant.", no_args_is_help=True)
dlq_app = typer.Typer(help="Inspect quarantined records and dead-letter entries.",
                      no_args_is_help=True)
app.add_typer(events_app, name="events")
app.add_typer(clients_app, name="clients")
app.add_typer(dlq_app, name="dlq")


def load_settings() -> Settings:
    """Settings from the environment; a bad value stops the command with its reason."""
    try:
        return Settings()  # values come from the environment
    except pydantic.ValidationError as exc:
        lines = [
            f"  GATEWAY_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        ]
        typer.echo("configuration error:\n" + "\n".join(lines), err=True)
        raise typer.Exit(2) from None


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from gateway.store.engine import make_engine
    from gateway.store.migrate import upgrade

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    typer.echo("database is at the newest revision")


@app.command()
def serve(
    migrate_first: Annotated[bool, typer.Option("--migrate", help="migrate first")] = False,
    host: Annotated[str | None, typer.Option(help="overrides GATEWAY_HTTP_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="overrides GATEWAY_HTTP_PORT")] = None,
) -> None:
    """Run the API (and, with Kafka configured, the outbox relay)."""
    from gateway.runtime import serve as run

    settings = load_settings()
    configure_logging(settings.log_level)
    run(settings, migrate=migrate_first, host=host, port=port)


@app.command()
def relay() -> None:
    """Run only the outbox relay (publish to Kafka), e.g. as its own container."""
    from gateway.runtime import relay_only

    settings = load_settings()
    configure_logging(settings.log_level)
    relay_only(settings)


@app.command()
def demo(
    directory: Annotated[str, typer.Option("--dir", help="where the demo keeps its data")] = (
        ".demo"
    ),
    port: Annotated[int, typer.Option(help="HTTP port on 127.0.0.1")] = 8080,
    ticks: Annotated[int, typer.Option(help="stop after this many changes; 0 = run on")] = 0,
    interval: Annotated[float, typer.Option(help="seconds between changes")] = 3.0,
    offerings: Annotated[int, typer.Option(help="offerings in the sample school")] = 12,
) -> None:
    """Run the gateway on SQLite with the embedded log and a simulated school."""
    from gateway.demo import run_demo

    configure_logging("WARNING")
    run_demo(directory=directory, port=port, ticks=ticks, interval=interval,
             offerings=offerings)


@events_app.command("tail")
def events_tail(
    tenant: str,
    after: Annotated[int, typer.Option(help="start after this cursor")] = 0,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="keep waiting")] = False,
) -> None:
    """Print a tenant's events as JSON lines (CloudEvents structured mode)."""
    from gateway.events.log import EventLog
    from gateway.events.tail import tail
    from gateway.store.engine import make_engine

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        tail(EventLog(engine), tenant, after=after, follow=follow)
    except KeyboardInterrupt:
        pass
    finally:
        engine.dispose()


@clients_app.command("add")
def clients_add(
    tenant: str,
    client_id: str,
    scope: Annotated[list[str], typer.Option(help="a scope; repeat for more")],
) -> None:
    """Register a client for a tenant; prints its secret once."""
    from gateway.api.auth.clients import ClientRegistry
    from gateway.store.engine import make_engine

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        secret = ClientRegistry(engine, [t.id for t in settings.tenants]).register(
            tenant, client_id, scope
        )
    finally:
        engine.dispose()
    typer.echo(f"client_id={client_id}\nclient_secret={secret}")


@dlq_app.command("list")
def dlq_list(tenant: str) -> None:
    """List quarantined records of a tenant (raw payloads with `--raw` later)."""
    from gateway.store.engine import make_engine
    from gateway.store.quarantine import Quarantine

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        for rec in Quarantine(engine).list(tenant):
            typer.echo(f"{rec.id}\t{rec.created_at:%Y-%m-%dT%H:%M:%S}\t{rec.source}\t"
                       f"{rec.kind}\t{rec.path}\t{rec.reason.splitlines()[0]}")
    finally:
        engine.dispose()


if __name__ == "__main__":  # pragma: no cover
    app()
