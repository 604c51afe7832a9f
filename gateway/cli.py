"""The ``gateway`` command: serve, relay, demo, migrate, sync, translate, validate, rio,
events, clients, dlq.

Every command builds what it needs from the ``GATEWAY_*`` settings; errors of the gateway
(a bad setting, an invalid document, an unreachable upstream) end the command with their
message and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pydantic
import typer

from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.adapters.standards import Standards
    from gateway.bootstrap import Gateway

__all__ = ["app"]

app = typer.Typer(name="gateway", help="mbo-gateway: koppelvlakken of Dutch mbo, in one place.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
events_app = typer.Typer(help="Read the event log.", no_args_is_help=True)
clients_app = typer.Typer(help="Manage OAuth2 clients per tenant.", no_args_is_help=True)
dlq_app = typer.Typer(help="Inspect quarantined records and dead-letter entries.",
                      no_args_is_help=True)
app.add_typer(events_app, name="events")
app.add_typer(clients_app, name="clients")
persons_app = typer.Typer(help="Persons: the right to erasure.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log of personal-data reads and erasures.",
                        no_args_is_help=True)
app.add_typer(persons_app, name="persons")
app.add_typer(audit_app, name="audit")
intake_app = typer.Typer(help="Applications (aanmelden) received by the intake API.",
                         no_args_is_help=True)
app.add_typer(intake_app, name="intake")
rio_app = typer.Typer(help="DUO's RIO: deliver the catalogue, compare with RIO.",
                      no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(rio_app, name="rio")


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


@contextmanager
def gateway_errors() -> Iterator[None]:
    """Print a GatewayError as ``error: ...`` (with each located problem) and exit 1."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from gateway.errors import GatewayError, ValidationError

    try:
        yield
    except (OperationalError, ProgrammingError) as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        typer.echo(f"error: database: {reason} (is it migrated? run `gateway migrate`)",
                   err=True)
        raise typer.Exit(1) from None
    except GatewayError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        if isinstance(exc, ValidationError):
            for item in exc.errors[1:] if len(exc.errors) > 1 else []:
                typer.echo(f"  {item.get('path', '')}: {item.get('message', '')}", err=True)
        raise typer.Exit(1) from None


@contextmanager
def built_gateway() -> Iterator[Gateway]:
    """The gateway from the environment's settings, closed afterwards."""
    from gateway.bootstrap import bootstrap

    settings = load_settings()
    configure_logging(settings.log_level)
    gateway = bootstrap(settings)
    try:
        with gateway_errors():
            yield gateway
    finally:
        gateway.close()


def _standards() -> Standards:
    from gateway.adapters.standards import Standards

    settings = load_settings()
    if settings.standards_dir is None:
        typer.echo("error: set GATEWAY_STANDARDS_DIR to the folder of the official schemas",
                   err=True)
        raise typer.Exit(2)
    return Standards(settings.standards_dir)


def configure_logging(level: str) -> None:
    """JSON-lines logs through one redacting handler (ids only; see gateway.logging)."""
    from gateway.logging import configure

    configure(level)


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


@app.command()
def translate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the document")],
    from_: Annotated[str, typer.Option("--from", help="standard of FILE")] = "ooapi-v5",
    to: Annotated[str, typer.Option("--to", help="standard to translate to")] = "rio-v4",
    tenant: Annotated[str | None, typer.Option(help="tenant (default: the only one)")] = None,
    source: Annotated[str, typer.Option(help="source system name (decides the ids)")] = (
        "translate"
    ),
) -> None:
    """Print the requests the gateway would send for FILE (a dry run, nothing is sent)."""
    from gateway.tools.translate import translate as run

    settings = load_settings()
    standards = _standards()
    chosen = settings.tenant(tenant) if tenant else (
        settings.tenants[0] if len(settings.tenants) == 1 else None)
    if chosen is None:
        typer.echo("error: name a configured tenant with --tenant", err=True)
        raise typer.Exit(2)
    with gateway_errors():
        for body in run(from_, to, file.read_bytes(), chosen, standards, source=source):
            typer.echo(body.decode("utf-8"))


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the document")],
    standard: Annotated[str, typer.Option(help="rio-v4 or ooapi-v5")] = "ooapi-v5",
    schema: Annotated[str | None, typer.Option(help="OOAPI schema name, e.g. Program")] = None,
) -> None:
    """Validate FILE against the official schema; print every error with its location."""
    from gateway.tools.validate import validate as run

    standards = _standards()
    with gateway_errors():
        errors = run(standard, file.read_bytes(), standards, schema=schema)
    for error in errors:
        typer.echo(str(error))
    if errors:
        typer.echo(f"{len(errors)} error(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"{file}: valid {standard}")


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


@intake_app.command("forward")
def intake_forward(tenant: str) -> None:
    """Forward the tenant's pending applications to its SIS (mbo profile) now."""
    from gateway.sync.intake_forwarding import IntakeForwarding

    standards = _standards()
    with built_gateway() as gateway:
        typer.echo(IntakeForwarding(gateway, tenant, standards=standards).run_until_idle()
                   .line())


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




def _register_command_groups() -> None:
    """Command groups that live in their own modules (imported here, after ``app`` exists)."""
    from gateway.cli_calendar import calendar_app
    from gateway.cli_oneroster import oneroster_app

    app.add_typer(calendar_app, name="calendar")
    app.add_typer(oneroster_app, name="oneroster")


_register_command_groups()


if __name__ == "__main__":  # pragma: no cover
    app()
