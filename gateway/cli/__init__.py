"""The ``gateway`` command: serve, relay, demo, migrate, sync, translate, validate, and the
groups rio, intake, persons, audit, events, clients, dlq, calendar, oneroster.

Every command builds what it needs from the ``GATEWAY_*`` settings; errors of the gateway
(a bad setting, an invalid document, an unreachable upstream) end the command with their
message and a non-zero exit code, never a traceback (:mod:`gateway.cli.support`).
"""

from __future__ import annotations

from gateway.cli.calendar import calendar_app
from gateway.cli.core import app
from gateway.cli.dlq import dlq_app
from gateway.cli.documents import translate, validate
from gateway.cli.events import clients_app, events_app
from gateway.cli.intake import intake_app
from gateway.cli.oneroster import oneroster_app
from gateway.cli.persons import audit_app, persons_app
from gateway.cli.rio import rio_app

__all__ = ["app"]

app.command()(translate)
app.command()(validate)
for _group, _name in ((rio_app, "rio"), (intake_app, "intake"), (persons_app, "persons"),
                      (audit_app, "audit"), (events_app, "events"), (clients_app, "clients"),
                      (dlq_app, "dlq"), (calendar_app, "calendar"),
                      (oneroster_app, "oneroster")):
    app.add_typer(_group, name=_name)
