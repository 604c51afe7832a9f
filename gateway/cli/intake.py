"""``gateway intake``: applications (aanmelden) received by the intake API."""

from __future__ import annotations

import typer

from gateway.cli.support import built_gateway, standards_or_exit

__all__ = ["intake_app"]

intake_app = typer.Typer(help="Applications (aanmelden) received by the intake API.",
                         no_args_is_help=True)


@intake_app.command("forward")
def intake_forward(tenant: str) -> None:
    """Forward the tenant's pending applications to its SIS (mbo profile) now."""
    from gateway.sync.intake_forwarding import IntakeForwarding

    standards = standards_or_exit()
    with built_gateway() as gateway:
        typer.echo(IntakeForwarding(gateway, tenant, standards=standards).run_until_idle()
                   .line())
