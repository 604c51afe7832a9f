"""What every ``gateway`` command shares: settings, the built gateway, and errors as messages.

Errors of the gateway (a bad setting, an invalid document, an unreachable upstream, an
unmigrated database) end a command with their message and a non-zero exit code, never a
traceback: an operator reads them in a terminal or a container log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pydantic
import typer

from gateway.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from gateway.adapters.standards import Standards
    from gateway.bootstrap import Gateway

__all__ = ["built_gateway", "configure_logging", "gateway_errors", "load_settings",
           "settings_engine", "standards_or_exit"]


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


@contextmanager
def settings_engine() -> Iterator[tuple[Settings, Engine]]:
    """The settings and a database engine alone (no publisher, no sources), disposed after."""
    from gateway.store.engine import make_engine

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        with gateway_errors():
            yield settings, engine
    finally:
        engine.dispose()


def standards_or_exit() -> Standards:
    """The official schemas of ``GATEWAY_STANDARDS_DIR``; exit 2 when it is not set."""
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
