"""``gateway demo``: the whole catalogue flow on one machine, with simulated school systems.

A simulated SIS serves its catalogue over OOAPI v5 (mbo profile); the gateway syncs it
into SQLite, publishes the events in its embedded log, delivers the offerings to a
simulated RIO over Edukoppeling (signed SOAP) and serves its API on 127.0.0.1. Every few
seconds the school changes something and the change travels the same way.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import typer

from gateway.bootstrap import Gateway, bootstrap
from gateway.events.log import EventLog
from gateway.settings import RioTargetConfig, Settings, SourceConfig, TenantConfig
from gateway.store.migrate import upgrade
from gateway.testing.serving import serve_in_thread
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.reference import QUALIFICATIONS
from simulators.ooapi_sis.server import running_sis
from simulators.rio_service import SimulatedRio, SimulatorConfig, create_app
from simulators.rio_service.certificates import TestCA

__all__ = ["DEMO_TENANT_ID", "run_demo"]

DEMO_TENANT_ID = "demo-school"
SOURCE = "sis"
DEMO_SCOPES = ["events:read", "catalogue:read", "admin"]
_SIS_CLIENT = ("gateway", secrets.token_urlsafe(24))


def _secret(directory: Path) -> str:
    path = directory / "token_secret"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _client(gateway: Gateway, directory: Path) -> dict[str, str]:
    from gateway.api.auth.clients import ClientRegistry

    path = directory / "client.json"
    if path.exists():
        creds: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return creds
    secret = ClientRegistry.for_gateway(gateway).register(
        DEMO_TENANT_ID, "demo-client", DEMO_SCOPES
    )
    creds = {"client_id": "demo-client", "client_secret": secret}
    path.write_text(json.dumps(creds), encoding="utf-8")
    path.chmod(0o600)
    return creds


def _print_new_events(log: EventLog, cursor: int, *, show: int = 6) -> int:
    """Print the new events (the first few in full, then counts per type)."""
    shown = 0
    counts: Counter[str] = Counter()
    while True:
        page = log.read(DEMO_TENANT_ID, after=cursor, limit=1000)
        for e in page.events:
            counts[e.type] += 1
            if shown < show:
                changed = ",".join(e.data.get("changedFields", [])[:4])
                typer.echo(f"  event #{e.seq:<6} {e.type:<50} {e.subject[:8]}… "
                           f"v{e.entity_version}"
                           + (f"  changed: {changed}" if e.entity_version > 1 else ""))
                shown += 1
        if page.cursor == cursor:
            break
        cursor = page.cursor
    if sum(counts.values()) > shown:
        typer.echo("  events by type: " + ", ".join(f"{t.split('.')[3]} {t.split('.')[4]} {n}"
                                                    for t, n in sorted(counts.items())))
    return cursor


@contextmanager
def _simulated_rio(root: Path, catalogue: SisCatalogue) -> Iterator[tuple[str, Path, Path]]:
    """DUO's RIO, simulated: trusts a demo CA whose client certificate the gateway uses."""
    from gateway.adapters.standards import standards_from_env

    ca = TestCA.create("mbo-gateway demo CA")
    client = ca.issue("ROC Midden (demo)", oin="00000001999999999000")
    cert, key = client.write(root, "rio-client")
    rio = SimulatedRio(SimulatorConfig(
        standards_from_env(), trusted=(ca.certificate,),
        known_crebos=frozenset(q.crebo for q in QUALIFICATIONS),
    ))
    with serve_in_thread(create_app(rio)) as port:
        yield f"http://127.0.0.1:{port}", cert, key


def run_demo(
    *, directory: str, port: int, ticks: int, interval: float, offerings: int
) -> None:
    from gateway.sync.rio_commands import deliver_to_rio, fetch_rio_diff
    from gateway.sync.scheduler import run_sync

    root = Path(directory).resolve()
    root.mkdir(parents=True, exist_ok=True)
    catalogue = SisCatalogue(offerings, seed=2026)
    with ExitStack() as stack:
        sis_url = stack.enter_context(running_sis(
            catalogue, client_id=_SIS_CLIENT[0], client_secret=_SIS_CLIENT[1]))
        rio_url, rio_cert, rio_key = stack.enter_context(_simulated_rio(root, catalogue))
        tenant = TenantConfig(id=DEMO_TENANT_ID, name="ROC Midden (demo)", brin=catalogue.brin,
                              onderwijsaanbiedercode=catalogue.aanbieder,
                              oin="00000001999999999000")
        settings = Settings(
            database_url=f"sqlite:///{root / 'gateway.db'}",
            token_secret=_secret(root),
            tenants=[tenant],
            sources=[SourceConfig(
                tenant=DEMO_TENANT_ID, name=SOURCE, base_url=sis_url,
                token_url=f"{sis_url}/oauth/token", client_id=_SIS_CLIENT[0],
                client_secret=_SIS_CLIENT[1], interval_seconds=0)],
            rio_targets=[RioTargetConfig(
                tenant=DEMO_TENANT_ID, beheren_url=f"{rio_url}/RIO/services/beheren4.0",
                raadplegen_url=f"{rio_url}/RIO/services/raadplegen4.0",
                client_cert=rio_cert, client_key=rio_key, max_attempts=3)],
            http_port=port,
            public_base_url=f"http://127.0.0.1:{port}",
        )
        gateway = bootstrap(settings)
        stack.callback(gateway.close)
        upgrade(gateway.engine)
        creds = _client(gateway, root)
        from gateway.api.app import create_app as create_gateway_app

        stack.enter_context(serve_in_thread(create_gateway_app(gateway), port=port))
        base = settings.public_base_url
        typer.echo(f"mbo-gateway demo: SQLite at {root / 'gateway.db'}, embedded event log, "
                   f"API on {base}")
        typer.echo(f"  simulated SIS (OOAPI v5) {sis_url}   simulated RIO (DUO) {rio_url}")
        typer.echo(f"  docs      {base}/docs    asyncapi {base}/asyncapi.yaml")
        typer.echo(f"  token     curl -s -u {creds['client_id']}:{creds['client_secret']} "
                   f"-d grant_type=client_credentials {base}/oauth/token")
        typer.echo(f"  events    curl -s -H \"Authorization: Bearer $TOKEN\" "
                   f"'{base}/events?after=0'")
        typer.echo(f"  stream    curl -N -H \"Authorization: Bearer $TOKEN\" {base}/events/stream")
        typer.echo(f"  OOAPI     curl -s -H \"Authorization: Bearer $TOKEN\" "
                   f"{base}/ooapi/v5/programs")
        cursor = gateway.event_log.head(DEMO_TENANT_ID)

        def step(label: str, *, full: bool) -> None:
            nonlocal cursor
            report = run_sync(gateway, DEMO_TENANT_ID, SOURCE, full=full)
            typer.echo(f"{label}: {report.line()}")
            cursor = _print_new_events(gateway.event_log, cursor)
            typer.echo(f"  to RIO: {deliver_to_rio(gateway, DEMO_TENANT_ID).line()}")

        try:
            step("full sync of the simulated SIS", full=True)
            step("same data again (nothing changed, so no events)", full=True)
            diff = fetch_rio_diff(gateway, DEMO_TENANT_ID)
            typer.echo("RIO and the gateway agree" if diff.in_sync else
                       "RIO differs:\n  " + "\n  ".join(diff.lines()))
            done = 0
            while ticks == 0 or done < ticks:
                time.sleep(interval)
                for change in catalogue.mutate(2):
                    typer.echo(f"school: {change}")
                done += 1
                step(f"sync {done}", full=False)
        except KeyboardInterrupt:
            typer.echo("stopping")
        typer.echo(f"last event #{gateway.event_log.head(DEMO_TENANT_ID)}")
