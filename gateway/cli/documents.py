"""``gateway translate`` and ``gateway validate``: one document against the standards, offline.

Both read the official schemas from ``GATEWAY_STANDARDS_DIR`` and send nothing: a supplier or
an operator checks a file before it goes anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.cli.support import gateway_errors, load_settings, standards_or_exit

__all__ = ["translate", "validate"]


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
    standards = standards_or_exit()
    chosen = settings.tenant(tenant) if tenant else (
        settings.tenants[0] if len(settings.tenants) == 1 else None)
    if chosen is None:
        typer.echo("error: name a configured tenant with --tenant", err=True)
        raise typer.Exit(2)
    with gateway_errors():
        for body in run(from_, to, file.read_bytes(), chosen, standards, source=source):
            typer.echo(body.decode("utf-8"))


def validate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the document")],
    standard: Annotated[str, typer.Option(help="rio-v4 or ooapi-v5")] = "ooapi-v5",
    schema: Annotated[str | None, typer.Option(help="OOAPI schema name, e.g. Program")] = None,
) -> None:
    """Validate FILE against the official schema; print every error with its location."""
    from gateway.tools.validate import validate as run

    standards = standards_or_exit()
    with gateway_errors():
        errors = run(standard, file.read_bytes(), standards, schema=schema)
    for error in errors:
        typer.echo(str(error))
    if errors:
        typer.echo(f"{len(errors)} error(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"{file}: valid {standard}")
