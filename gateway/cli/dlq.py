"""``gateway dlq``: quarantined records and dead-letter entries, for operators.

A record that failed validation (or that a target refused) is kept with its reason and raw
payload until an operator marks it handled: once its cause is fixed at the source and the
next sync took the corrected record, or once it was replayed. ``list`` shows the open ones
(``--all`` also the handled), ``show`` one with its whole reason (``--raw`` adds the payload
exactly as received, which may hold personal data: it goes to the terminal only, never to
a log), ``resolve`` marks one handled, ``replay`` sends again what the RIO delivery or the
intake forwarding dead-lettered, once its cause is fixed at the target: the offering or
application is queued for the next run in its current stored state, and the record marked
handled (:mod:`gateway.sync.dlq_replay`); ``--now`` runs that delivery at once.

A pull marks its own records handled too: a complete full run of a source's catalogue,
enrolment, rostering or iCalendar pull closes the open records of its kinds that it did
not meet again as bad (fixed at the source and stored, or gone from it;
:mod:`gateway.sync.run_quarantine`), and counts them as ``quarantine resolved`` in its
report. Incremental runs and runs that stopped early close nothing.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gateway.cli.support import built_gateway, settings_engine, standards_or_exit

__all__ = ["dlq_app"]

dlq_app = typer.Typer(help="Inspect quarantined records and dead-letter entries.",
                      no_args_is_help=True)


@dlq_app.command("list")
def dlq_list(
    tenant: str,
    all_: Annotated[bool, typer.Option("--all", help="also the records marked handled")] = False,
) -> None:
    """List quarantined records of a tenant: id, time, source, kind, path, first reason line."""
    from gateway.store.quarantine import Quarantine

    with settings_engine() as (_, engine):
        for rec in Quarantine(engine).list(tenant, include_replayed=all_):
            handled = f"\thandled {rec.replayed_at:%Y-%m-%dT%H:%M:%S}" if rec.replayed_at else ""
            typer.echo(f"{rec.id}\t{rec.created_at:%Y-%m-%dT%H:%M:%S}\t{rec.source}\t"
                       f"{rec.kind}\t{rec.path}\t{rec.reason.splitlines()[0]}{handled}")


@dlq_app.command("show")
def dlq_show(
    tenant: str,
    record_id: int,
    raw: Annotated[bool, typer.Option("--raw", help="also print the raw payload")] = False,
) -> None:
    """Show one quarantined record with its whole reason (exit 1 when there is none)."""
    from gateway.store.quarantine import Quarantine

    with settings_engine() as (_, engine):
        rec = Quarantine(engine).get(tenant, record_id)
    if rec is None:
        typer.echo(f"error: tenant {tenant} has no quarantined record {record_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"record   {rec.id}\nreceived {rec.created_at:%Y-%m-%dT%H:%M:%S}\n"
               f"source   {rec.source}\nkind     {rec.kind}\npath     {rec.path}\n"
               f"handled  {f'{rec.replayed_at:%Y-%m-%dT%H:%M:%S}' if rec.replayed_at else 'no'}"
               f"\nreason:\n  " + "\n  ".join(rec.reason.splitlines()))
    if raw:
        typer.echo(f"raw payload ({len(rec.raw)} characters):")
        typer.echo(rec.raw)


@dlq_app.command("resolve")
def dlq_resolve(tenant: str, record_id: int) -> None:
    """Mark a record handled: it leaves ``dlq list`` (``--all`` still shows it)."""
    from gateway.store.quarantine import Quarantine

    with settings_engine() as (_, engine):
        marked = Quarantine(engine).mark_replayed(tenant, record_id)
    if not marked:
        typer.echo(f"error: tenant {tenant} has no open quarantined record {record_id}",
                   err=True)
        raise typer.Exit(1)
    typer.echo(f"record {record_id} marked handled")


@dlq_app.command("replay")
def dlq_replay(
    tenant: str,
    record_id: int,
    now: Annotated[bool, typer.Option("--now", help="run the delivery once right away")] = False,
) -> None:
    """Queue a record the RIO delivery or the intake forwarding wrote to be sent again.

    Exit 1 when the tenant has no such record or it came from a pull (fix it at the source
    and sync instead).
    """
    from gateway.sync.dlq_replay import ReplayTarget, replay

    with settings_engine() as (_, engine):
        done = replay(engine, tenant, record_id)
    typer.echo(done.line())
    if not now:
        return
    if done.target is ReplayTarget.RIO:
        from gateway.sync.rio_commands import deliver_to_rio

        with built_gateway() as gateway:
            typer.echo(f"rio delivery: {deliver_to_rio(gateway, tenant).line()}")
        return
    from gateway.sync.intake_forwarding import IntakeForwarding

    standards = standards_or_exit()
    with built_gateway() as gateway:
        report = IntakeForwarding(gateway, tenant, standards=standards).run_until_idle()
        typer.echo(f"intake forwarding: {report.line()}")
