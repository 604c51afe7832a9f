"""``gateway calendar``: iCalendar feed subscriptions per group, person or room.

A subscription's token is shown once, when it is made: calendar clients cannot send
OAuth tokens, so the feed URL itself is the secret. Only its hash is stored.
"""

from __future__ import annotations

from uuid import UUID

import typer

__all__ = ["calendar_app"]

calendar_app = typer.Typer(help="iCalendar feeds: subscribe and revoke per group, person, room.",
                           no_args_is_help=True)


@calendar_app.command("subscribe")
def calendar_subscribe(
    tenant: str,
    group: str = typer.Option(None, help="the group's id (canonical or OOAPI groupId)"),
    person: str = typer.Option(None, help="the person's id"),
    room: str = typer.Option(None, help="the room code"),
) -> None:
    """Make a feed subscription and print its URL (shown only now)."""
    from gateway.cli.support import built_gateway
    from gateway.store.calendar_subscriptions import subscribe
    from gateway.store.timetable_index import TargetKind

    chosen = [(kind, ref) for kind, ref in ((TargetKind.GROUP, group),
                                            (TargetKind.PERSON, person),
                                            (TargetKind.ROOM, room)) if ref]
    if len(chosen) != 1:
        typer.echo("error: name exactly one of --group, --person, --room", err=True)
        raise typer.Exit(2)
    kind, ref = chosen[0]
    with built_gateway() as gateway:
        issued = subscribe(gateway.engine, tenant, kind, ref, clock=gateway.clock)
        base = gateway.settings.public_base_url.rstrip("/")
        typer.echo(f"subscription {issued.subscription.id}")
        typer.echo(f"feed {base}{issued.feed_path}")


@calendar_app.command("revoke")
def calendar_revoke(tenant: str, subscription_id: str) -> None:
    """Revoke a subscription: its feed URL answers 404 from now on."""
    from gateway.cli.support import built_gateway
    from gateway.errors import ValidationError
    from gateway.store.calendar_subscriptions import CalendarSubscriptions

    with built_gateway() as gateway:
        try:
            ident = UUID(subscription_id)
        except ValueError as exc:
            raise ValidationError(f"not a subscription id: {subscription_id!r}") from exc
        revoked = CalendarSubscriptions(gateway.engine, gateway.clock).revoke(tenant, ident)
        typer.echo(f"revoked {revoked.id}")


@calendar_app.command("list")
def calendar_list(tenant: str, include_revoked: bool = False) -> None:
    """List a tenant's subscriptions (never their tokens)."""
    from gateway.cli.support import built_gateway
    from gateway.store.calendar_subscriptions import CalendarSubscriptions

    with built_gateway() as gateway:
        rows = CalendarSubscriptions(gateway.engine, gateway.clock).list(
            tenant, include_revoked=include_revoked)
        for row in rows:
            state = "revoked" if row.revoked_at else "active"
            typer.echo(f"{row.id}  {row.kind.value:6}  {row.ref}  {state}")
