"""``gateway demo``: the gateway on SQLite with the embedded log and a simulated school.

Everything stays on this machine: the database and credentials in ``--dir``, the API on
127.0.0.1. The sample school changes every few seconds; each change shows as events.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from functools import partial
from pathlib import Path

import typer

from gateway.bootstrap import Gateway, bootstrap
from gateway.events.log import EventLog
from gateway.mappings import sample
from gateway.settings import Settings, TenantConfig
from gateway.store.migrate import upgrade
from gateway.store.quarantine import Quarantine
from gateway.sync.snapshot import SnapshotSync
from simulators.sample_school import SampleSchool

__all__ = ["DEMO_TENANT", "run_demo"]

DEMO_TENANT = TenantConfig(
    id="demo-school", name="ROC Demo", brin="99XX",
    onderwijsaanbiedercode="999A001", oin="00000001999999999000",
)
SOURCE = "sample-sis"
DEMO_SCOPES = ["events:read", "catalogue:read", "admin"]


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
        DEMO_TENANT.id, "demo-client", DEMO_SCOPES
    )
    creds = {"client_id": "demo-client", "client_secret": secret}
    path.write_text(json.dumps(creds), encoding="utf-8")
    path.chmod(0o600)
    return creds


def _print_new_events(log: EventLog, cursor: int) -> int:
    while True:
        page = log.read(DEMO_TENANT.id, after=cursor, limit=500)
        for e in page.events:
            changed = ",".join(e.data.get("changedFields", [])[:4])
            typer.echo(f"  event #{e.seq:<5} {e.type:<52} {e.subject[:8]}… v{e.entity_version}"
                       + (f"  changed: {changed}" if changed and e.entity_version > 1 else ""))
        if page.cursor == cursor:
            return cursor
        cursor = page.cursor


def _serve_in_thread(gateway: Gateway, port: int) -> tuple[object, threading.Thread]:
    import uvicorn

    from gateway.api.app import create_app

    config = uvicorn.Config(create_app(gateway), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="demo-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return server, thread


def run_demo(
    *, directory: str, port: int, ticks: int, interval: float, offerings: int
) -> None:
    root = Path(directory).resolve()
    root.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        database_url=f"sqlite:///{root / 'gateway.db'}",
        token_secret=_secret(root),
        tenants=[DEMO_TENANT],
        http_port=port,
        public_base_url=f"http://127.0.0.1:{port}",
    )
    gateway = bootstrap(settings)
    upgrade(gateway.engine)
    creds = _client(gateway, root)
    server, thread = _serve_in_thread(gateway, port)
    base = settings.public_base_url
    typer.echo(f"mbo-gateway demo: SQLite at {root / 'gateway.db'}, embedded event log, "
               f"API on {base}")
    typer.echo(f"  docs      {base}/docs    asyncapi {base}/asyncapi.yaml")
    typer.echo(f"  token     curl -s -u {creds['client_id']}:{creds['client_secret']} "
               f"-d grant_type=client_credentials {base}/oauth/token")
    typer.echo(f"  events    curl -s -H 'Authorization: Bearer $TOKEN' '{base}/events?after=0'")
    typer.echo(f"  stream    curl -N -H 'Authorization: Bearer $TOKEN' {base}/events/stream")
    typer.echo(f"  CLI       GATEWAY_DATABASE_URL={settings.database_url} "
               f"GATEWAY_TOKEN_SECRET=... gateway events tail {DEMO_TENANT.id} --follow")

    school = SampleSchool(offerings=offerings)
    sync = SnapshotSync(gateway.store, Quarantine(gateway.engine))
    mapper = partial(sample.to_canonical, DEMO_TENANT.id, SOURCE)
    cursor = gateway.event_log.head(DEMO_TENANT.id)

    def run_sync(label: str) -> None:
        nonlocal cursor
        report = sync.run(DEMO_TENANT.id, SOURCE, school.records(), mapper,
                          kinds=sample.KINDS, identify=sample.identify)
        typer.echo(f"{label}: {report.line()}")
        cursor = _print_new_events(gateway.event_log, cursor)

    try:
        run_sync("initial sync of the sample school")
        run_sync("same data again (nothing changed, so no events)")
        done = 0
        while ticks == 0 or done < ticks:
            time.sleep(interval)
            for change in school.tick():
                typer.echo(f"school: {change}")
            done += 1
            run_sync(f"sync {done}")
    except KeyboardInterrupt:
        typer.echo("stopping")
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        quarantined = Quarantine(gateway.engine).list(DEMO_TENANT.id)
        typer.echo(f"quarantine holds {len(quarantined)} record(s); "
                   f"last event #{gateway.event_log.head(DEMO_TENANT.id)}")
        gateway.close()
