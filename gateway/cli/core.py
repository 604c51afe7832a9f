"""The ``gateway`` command itself and its run commands: migrate, serve, relay, demo, sync.

Command groups (``rio``, ``intake``, ``persons``, ``audit``, ``events``, ``clients``, ``dlq``,
``calendar``, ``oneroster``) live in modules of their own and are added in
:mod:`gateway.cli`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gateway.cli.support import built_gateway, configure_logging, load_settings

__all__ = ["app"]

app = typer.Typer(name="gateway", help="mbo-gateway: koppelvlakken of Dutch mbo, in one place.",
                  no_args_is_help=True, pretty_exceptions_enable=False)


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
    ticks: Annotated[int, typer.Option(
        help="changes the school makes before it goes quiet; 0 = changes on")] = 0,
    interval: Annotated[float, typer.Option(help="seconds between changes")] = 3.0,
    offerings: Annotated[int, typer.Option(help="offerings in the sample school")] = 12,
    students: Annotated[int, typer.Option(help="students in the sample school")] = 240,
) -> None:
    """Run the gateway on SQLite with the embedded log and a simulated school."""
    from gateway.demo import run_demo

    configure_logging("WARNING")
    run_demo(directory=directory, port=port, ticks=ticks, interval=interval,
             offerings=offerings, students=students)


@app.command()
def sync(
    tenant: str,
    source: str,
    full: Annotated[bool, typer.Option("--full", help="full sync: also finds deletions")] = False,
    resource: Annotated[list[str] | None, typer.Option(
        "--resource", help="catalogue, enrolment or rostering (repeatable); default: the "
        "source's own resources")] = None,
) -> None:
    """Sync one configured source of a tenant now (incremental unless --full)."""
    from gateway.sync.source_resources import run_source_sync

    with built_gateway() as gateway:
        report = run_source_sync(gateway, tenant, source, full=full, resources=resource or None)
        typer.echo(report.line())
        if report.failed:
            raise typer.Exit(1)
