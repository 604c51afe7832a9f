"""``gateway oneroster``: the OneRoster 1.2 CSV bundle of a tenant, written to a file.

Exporting reads the names of every rostered person, so it is a personal-data read and is
written to the audit log (as ``cli:<os user>``), like the download over the API.
"""

from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path

import typer

__all__ = ["oneroster_app"]

oneroster_app = typer.Typer(help="OneRoster 1.2: export the CSV bundle of a tenant.",
                            no_args_is_help=True)


@oneroster_app.command("export")
def oneroster_export(
    tenant: str,
    path: Path,
    since: str = typer.Option(None, help="a delta: only changes after this ISO 8601 time"),
) -> None:
    """Write the bundle (zip) of TENANT to PATH; with --since a delta bundle."""
    from gateway.adapters.oneroster.bundle_export import export_bundle
    from gateway.cli.support import built_gateway
    from gateway.errors import ValidationError

    with built_gateway() as gateway:
        after: datetime | None = None
        if since is not None:
            try:
                after = datetime.fromisoformat(since)
            except ValueError as exc:
                raise ValidationError(f"--since is not an ISO 8601 time: {since!r}") from exc
            if after.tzinfo is None:
                raise ValidationError("--since needs a time zone, e.g. 2026-09-01T00:00:00Z")
        summary = export_bundle(gateway, tenant, path, client_id=f"cli:{getpass.getuser()}",
                                issuer="gateway-cli", since=after)
        rows = ", ".join(f"{name} {count}" for name, count in summary.rows.items())
        typer.echo(f"wrote {path}: {rows}")
