"""Full catalogue sync: the simulated SIS over loopback HTTP, into the store, onto the broker.

The issue's size: 2,000 programme offerings with 3 cohorts each and 5,000 courses, served
by the simulated SIS (``running_sis``: uvicorn on 127.0.0.1, OAuth2 client credentials,
pages of 250). The SIS runs in a thread of this process, so its JSON encoding shares the
GIL with whatever reads it: the raw limit pays that cost exactly as the gateway does.

- raw limit (:mod:`bench.catalogue_raw`): a bare httpx client makes the sync's requests,
  parses the pages and validates every item with ``OoapiSchemas.validate``, nothing else.
  For information, the same JSON bytes parsed and validated without HTTP.
- gateway: ``run_sync(gateway, tenant, source, full=True)`` into a fresh PostgreSQL
  database (mapping, change detection, store and outbox), then ``relay.drain()`` to a
  Tansu broker. Rates count the canonical entities written (qualifications, programme
  offerings, cohorts, courses); the raw limit's rate is that count over its own time.
- a second full sync of the unchanged catalogue: it must write 0 events; its time is
  printed as a fraction of the first (the issue's target: at most a quarter).

Every measurement runs twice (the gateway's on a fresh database and topic prefix each
time) and the faster run counts. The run fails when a raw item fails its schema, the sync
quarantines, the relay leaves rows unpublished, the broker holds another number of
records than events written, or the second sync writes an event.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from kafka import KafkaConsumer
from sqlalchemy import func, select

from bench.catalogue_common import COHORTS, COURSES, OFFERINGS, sis_catalogue, standards
from bench.catalogue_raw import PAGE_SIZE, fetch_and_validate, parse_and_validate
from bench.common import heading, row
from gateway.adapters.ooapi.codec import ooapi_schemas
from gateway.adapters.standards import Standards
from gateway.bootstrap import bootstrap
from gateway.events.kafka_publisher import kafka_client_config
from gateway.settings import Settings, SourceConfig, TenantConfig
from gateway.store.migrate import upgrade
from gateway.store.tables import outbox
from gateway.sync.catalogue_report import CatalogueSyncReport
from gateway.sync.scheduler import run_sync
from gateway.testing.postgres import PostgresServer, fresh_database
from gateway.testing.tansu import TansuBroker
from simulators.ooapi_sis.server import running_sis

__all__ = ["run"]

TENANT, SOURCE, CLIENT_ID = "bench-roc", "sis", "gateway"
TARGET = 0.25
REPEATS = 2


@dataclass(frozen=True)
class Sis:
    """Where the simulated SIS listens and the gateway's credentials there."""

    base_url: str
    secret: str


@dataclass(frozen=True)
class GatewayRun:
    """One full sync, its publication and the unchanged second sync, on a fresh database."""

    first: CatalogueSyncReport
    t_sync: float
    published: int
    t_publish: float
    second: CatalogueSyncReport
    t_second: float
    unpublished: int
    on_broker: int


def records_on_broker(bootstrap_servers: str, prefix: str, expected: int) -> int:
    """Records in the topics named ``prefix*``, consumed from the start and counted.

    Counted, not read from end offsets (Tansu's are not faithful); it stops at the first
    empty poll once ``expected`` records are in, so more than expected would show too.
    """
    consumer = KafkaConsumer(**kafka_client_config(bootstrap_servers),
                             auto_offset_reset="earliest", enable_auto_commit=False)
    try:
        consumer.subscribe([t for t in consumer.topics() if t.startswith(prefix)])
        count = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            got = sum(len(records) for records in consumer.poll(timeout_ms=500).values())
            count += got
            if count >= expected and not got:
                break
        return count
    finally:
        consumer.close()


def sync_and_publish(server: PostgresServer, broker: TansuBroker, sis: Sis,
                     official: Standards, prefix: str) -> GatewayRun:
    """Sync, publish and sync again into a fresh database, events under ``prefix``."""
    with fresh_database(server, prefix="bench") as url:
        settings = Settings(
            database_url=url, token_secret=secrets.token_hex(32), standards_dir=official.root,
            kafka_bootstrap_servers=broker.bootstrap_servers, topic_prefix=prefix,
            tenants=[TenantConfig(id=TENANT, name="ROC Midden (bench)")],
            sources=[SourceConfig(tenant=TENANT, name=SOURCE, base_url=sis.base_url,
                                  token_url=f"{sis.base_url}/oauth/token", client_id=CLIENT_ID,
                                  client_secret=sis.secret, page_size=PAGE_SIZE,
                                  interval_seconds=0)],
        )
        gateway = bootstrap(settings)
        try:
            upgrade(gateway.engine)
            relay = gateway.relay
            assert relay is not None, "no relay: Kafka is not configured"
            start = time.perf_counter()
            first = run_sync(gateway, TENANT, SOURCE, full=True)
            t_sync = time.perf_counter() - start
            start = time.perf_counter()
            published = relay.drain()
            t_publish = time.perf_counter() - start
            start = time.perf_counter()
            second = run_sync(gateway, TENANT, SOURCE, full=True)
            t_second = time.perf_counter() - start
            with gateway.engine.connect() as conn:
                unpublished = conn.scalar(select(func.count()).select_from(outbox)
                                          .where(outbox.c.published_at.is_(None))) or 0
        finally:
            gateway.close()
    on_broker = records_on_broker(broker.bootstrap_servers, f"{prefix}.{TENANT}.", published)
    return GatewayRun(first, t_sync, published, t_publish, second, t_second, unpublished,
                      on_broker)


def check(run: GatewayRun, documents: int) -> None:
    """Fail unless the run did the right thing (timings are never checked)."""
    first, second = run.first, run.second
    assert first.fetched == documents, f"the sync read {first.fetched}, the raw {documents}"
    assert first.quarantined == 0 and first.events == first.created, first.line()
    assert run.published == first.events, f"published {run.published} of {first.events}"
    assert run.unpublished == 0, f"{run.unpublished} rows left unpublished"
    assert run.on_broker == run.published, f"{run.on_broker} records on the broker"
    assert second.events == 0, f"the unchanged second sync wrote {second.events} events"
    assert second.unchanged == first.created, second.line()


def _runs(seconds: list[float]) -> str:
    return "runs: " + ", ".join(f"{s:.2f}" for s in seconds) + " s"


def run(server: PostgresServer, n: int = 20_000) -> None:
    """The sizes are the issue's (see the module docstring); ``n`` does not change them."""
    del n
    official = standards()
    schemas = ooapi_schemas(official)  # the instance the sync uses (cached per folder)
    secret = secrets.token_urlsafe(24)
    with running_sis(sis_catalogue(), client_id=CLIENT_ID, client_secret=secret) as base_url, \
            TansuBroker() as broker:
        sis = Sis(base_url, secret)
        raws = [fetch_and_validate(base_url, CLIENT_ID, secret, schemas) for _ in range(REPEATS)]
        fetched = raws[-1][0]
        t_parse = [parse_and_validate(fetched, schemas) for _ in range(REPEATS)]
        heading(
            f"catalogue: simulated SIS (OOAPI v5, loopback HTTP) -> PostgreSQL -> Tansu "
            f"({broker.bootstrap_servers}); {OFFERINGS:,} offerings x {COHORTS} cohorts, "
            f"{COURSES:,} courses = {fetched.documents:,} documents in {fetched.requests:,} "
            f"requests; best of {REPEATS}")
        runs = [sync_and_publish(server, broker, sis, official, f"bench-sync-{i}")
                for i in range(REPEATS)]
    for gateway_run in runs:
        check(gateway_run, fetched.documents)
    entities = runs[0].first.created
    t_raw = [s for _, s in raws]
    limit = row("raw: fetch + parse + validate (limit)", entities, min(t_raw), "ent/s",
                extra=f"{fetched.documents / min(t_raw):,.0f} docs/s; {_runs(t_raw)}")
    parse = row("raw: parse + validate same bytes (info)", entities, min(t_parse), "ent/s",
                extra=f"{fetched.documents / min(t_parse):,.0f} docs/s, no HTTP")
    t_sync = [r.t_sync for r in runs]
    t_both = [r.t_sync + r.t_publish for r in runs]
    row("gateway: full sync (HTTP -> store + outbox)", entities, min(t_sync), "ent/s",
        limit=limit, extra=f"vs parse+validate {entities / min(t_sync) / parse:.2f}; "
                           f"{_runs(t_sync)}")
    row("gateway: relay publish alone (info)", entities, min(r.t_publish for r in runs),
        "events/s", extra=f"{runs[0].on_broker:,} records counted on the broker")
    row("gateway: sync + publish (HTTP -> broker)", entities, min(t_both), "ent/s",
        limit=limit, extra=f"vs parse+validate {entities / min(t_both) / parse:.2f}; "
                           f"{_runs(t_both)}")
    t_second = [r.t_second for r in runs]
    fraction = min(t_second) / min(t_sync)
    verdict = "ok" if fraction <= TARGET else "ABOVE TARGET"
    print(f"  {'second full sync, nothing changed':<44} {min(t_second):>10.2f} s        "
          f"= {fraction:.2f} of the first (target <= {TARGET:.2f}: {verdict}); events "
          f"{runs[0].second.events} (asserted 0 in every run); {_runs(t_second)}", flush=True)
    print(f"  first sync: {runs[0].first.line()}")
