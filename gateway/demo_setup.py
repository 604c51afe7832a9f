"""How ``gateway demo`` configures the gateway for the simulated school, and who may call it.

The settings are those an IT team would write for its own school: one tenant, the SIS as
an ``ooapi-v5`` source pulling its catalogue, enrolments and klassen, the timetabling
system as an ``icalendar`` source, and RIO as the delivery target. The demo's API client
(``client.json`` in the demo folder) may read events, the catalogue and OneRoster, and
manage calendar subscriptions; it is made again when the stored one no longer works (a
deleted database, or an older demo that gave it fewer scopes).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from gateway.api.auth.clients import ClientRegistry
from gateway.api.routers.calendar_admin import CALENDAR_ADMIN_SCOPE
from gateway.api.routers.oneroster.scopes import CORE_READ
from gateway.bootstrap import Gateway
from gateway.demo_world import DEMO_OIN, DemoWorld
from gateway.errors import AuthError
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.settings import RioTargetConfig, Settings, SourceConfig, TenantConfig
from gateway.store.calendar_subscriptions import subscribe
from gateway.store.timetable_index import TargetKind

__all__ = ["DEMO_SCOPES", "DEMO_TENANT_ID", "SIS_SOURCE", "TIMETABLE_SOURCE", "demo_client",
           "demo_settings", "subscribe_group"]

DEMO_TENANT_ID = "demo-school"
SIS_SOURCE = "sis"
TIMETABLE_SOURCE = "timetable"
DEMO_SCOPES = ("events:read", "catalogue:read", "admin", CALENDAR_ADMIN_SCOPE, CORE_READ)


def _token_secret(directory: Path) -> str:
    path = directory / "token_secret"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def demo_settings(root: Path, world: DemoWorld, port: int) -> Settings:
    """The gateway's settings: SQLite and a token secret in ``root``, the API on ``port``."""
    catalogue = world.catalogue
    return Settings(
        database_url=f"sqlite:///{root / 'gateway.db'}",
        token_secret=_token_secret(root),
        tenants=[TenantConfig(id=DEMO_TENANT_ID, name="ROC Midden (demo)", brin=catalogue.brin,
                              onderwijsaanbiedercode=catalogue.aanbieder, oin=DEMO_OIN)],
        sources=[
            SourceConfig(tenant=DEMO_TENANT_ID, name=SIS_SOURCE, base_url=world.sis_url,
                         token_url=f"{world.sis_url}/oauth/token",
                         client_id=world.sis_client[0], client_secret=world.sis_client[1],
                         resources=("catalogue", "enrolment", "rostering"), interval_seconds=0),
            SourceConfig(tenant=DEMO_TENANT_ID, name=TIMETABLE_SOURCE, kind="icalendar",
                         base_url=world.feed_url, interval_seconds=0),
        ],
        rio_targets=[RioTargetConfig(
            tenant=DEMO_TENANT_ID, beheren_url=f"{world.rio_url}/RIO/services/beheren4.0",
            raadplegen_url=f"{world.rio_url}/RIO/services/raadplegen4.0",
            client_cert=world.rio_cert, client_key=world.rio_key, max_attempts=3)],
        http_port=port,
        public_base_url=f"http://127.0.0.1:{port}",
    )


def demo_client(gateway: Gateway, directory: Path) -> dict[str, str]:
    """The demo's API client: the one in ``client.json`` while it still works, else a new one.

    Returns:
        ``client_id`` and ``client_secret`` (also written to ``client.json``, mode 0600).
    """
    registry = ClientRegistry.for_gateway(gateway)
    path = directory / "client.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        try:
            record = registry.verify(stored["client_id"], stored["client_secret"])
        except (AuthError, KeyError):
            record = None
        if record is not None and set(DEMO_SCOPES) <= set(record.scopes):
            return stored
    client_id = f"demo-client-{secrets.token_hex(3)}"
    secret = registry.register(DEMO_TENANT_ID, client_id, DEMO_SCOPES)
    creds = {"client_id": client_id, "client_secret": secret}
    path.write_text(json.dumps(creds), encoding="utf-8")
    path.chmod(0o600)
    return creds


def subscribe_group(gateway: Gateway, world: DemoWorld) -> str:
    """Subscribe to the calendar feed of the timetable's first klas (once it is imported).

    Returns:
        The feed's full URL (its token is shown only now; only its hash is stored).

    Raises:
        ValidationError: the gateway does not know the klas (the syncs have not run).
    """
    group = canonical_id(DEMO_TENANT_ID, "group", world.timetable.group_ids[0])
    issued = subscribe(gateway.engine, DEMO_TENANT_ID, TargetKind.GROUP, str(group))
    return f"{gateway.settings.public_base_url}{issued.feed_path}"
