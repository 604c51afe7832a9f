"""Enrolment pull and push: the simulated school over loopback HTTP into a fresh gateway.

Pull: a first full pull of 50,000 persons and about 80,000 associations (48,500 students
and 1,500 staff of :class:`~simulators.ooapi_sis.population.SisSchool`, 1.65 associations
per student) from the simulated SIS (uvicorn on 127.0.0.1, OAuth2, pages of 250) with
``run_enrolment_sync(..., full=True)`` into a fresh SQLite gateway (and PostgreSQL),
after an untimed catalogue sync of the offerings the associations refer to.

- raw limit: a bare ``httpx.Client`` makes the pull's requests (``/persons``,
  ``/offerings``, each offering's ``/associations``), ``json.loads`` each page and
  validates each item as the pull does (``Person``; ``AssociationChecks.under_offering``).
- gateway: entities per second (persons + associations written) and the ratio to the raw
  limit; the peak RSS of this process after the pull (``getrusage``; target below
  300 MiB; the SIS runs in this process too).

Push: :mod:`bench.enrolment_push`. ``--n`` below 20,000 pulls ``n`` persons instead (a
quick run). The run fails when a raw item fails its schema or the pull quarantines.
"""

from __future__ import annotations

import json
import resource
import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx

from bench import enrolment_push
from bench.catalogue_common import SEED, TODAY, standards
from bench.common import database, heading, row
from gateway.adapters.ooapi.association_checks import AssociationChecks
from gateway.adapters.ooapi.catalogue_source import ALL_OFFERINGS_SINCE
from gateway.adapters.ooapi.client import resource_path
from gateway.adapters.ooapi.codec import OoapiSchemas, ooapi_schemas
from gateway.bootstrap import bootstrap
from gateway.settings import Settings
from gateway.sync.ooapi_enrolment import run_enrolment_sync
from gateway.sync.scheduler import run_sync
from gateway.testing.postgres import PostgresServer
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.server import running_sis

__all__ = ["run"]

TENANT, SOURCE, CLIENT_ID = "bench-roc", "sis", "gateway"
PERSONS, STAFF, OFFERINGS, PAGE_SIZE = 50_000, 1_500, 200, 250
TARGET_RSS_MIB = 300


def _pages(http: httpx.Client, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    number = 1
    while True:
        reply = http.get(path, params={**params, "pageSize": PAGE_SIZE, "pageNumber": number})
        reply.raise_for_status()
        page: dict[str, Any] = json.loads(reply.content)
        yield page
        if not page["hasNextPage"] or not page["items"]:
            return
        number += 1


def raw_pull(base_url: str, secret: str, schemas: OoapiSchemas) -> tuple[int, int, float]:
    """Persons, associations and seconds for a bare client doing the pull's reads."""
    checks = AssociationChecks(schemas)
    persons = associations = 0
    with httpx.Client(base_url=base_url, timeout=60) as http:
        start = time.perf_counter()
        token = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(CLIENT_ID, secret))
        token.raise_for_status()
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        for page in _pages(http, "/persons", {}):
            for item in page["items"]:
                assert not schemas.validate("Person", item), "a person fails its schema"
                persons += 1
        offerings = [item["offeringId"] for page in _pages(
            http, "/offerings", {"since": ALL_OFFERINGS_SINCE.isoformat()})
            for item in page["items"]]
        for offering in offerings:
            for page in _pages(http, resource_path("offerings", offering, "associations"), {}):
                for item in page["items"]:
                    assert not checks.under_offering(item), "an association fails its schema"
                    associations += 1
        seconds = time.perf_counter() - start
    return persons, associations, seconds


def _pull(kind: str, server: PostgresServer | None, url: str, secret: str
          ) -> tuple[int, float, str]:
    """Entities written, seconds and the report line of a first full pull on ``kind``."""
    settings = Settings(
        token_secret=secrets.token_hex(32), standards_dir=standards().root,
        tenants=[{"id": TENANT, "name": "Bench ROC"}],
        sources=[{"tenant": TENANT, "name": SOURCE, "base_url": url,
                  "token_url": f"{url}/oauth/token", "client_id": CLIENT_ID,
                  "client_secret": secret, "page_size": PAGE_SIZE, "timeout_seconds": 60}])
    with database(kind, server) as engine:
        gateway = bootstrap(settings, engine=engine)
        try:
            run_sync(gateway, TENANT, SOURCE, full=True)  # the catalogue: not timed
            start = time.perf_counter()
            report = run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
            seconds = time.perf_counter() - start
        finally:
            gateway.close()
    assert report.quarantined == 0, f"the pull quarantined {report.quarantined} items"
    assert report.waiting_for_catalogue == 0 and report.offerings_unknown == 0, report.line()
    return report.persons_created + report.created, seconds, report.line()


def run(server: PostgresServer, *, n: int) -> None:
    persons = PERSONS if n >= 20_000 else n
    staff = min(STAFF, max(1, persons // 33))
    schemas = ooapi_schemas(standards())
    heading(f"enrolment pull: simulated SIS over loopback HTTP, {persons:,} persons")
    if persons < PERSONS:
        print(f"  (--n {n:,} is below 20,000: {persons:,} persons instead of {PERSONS:,})")
    secret = secrets.token_urlsafe(24)
    school = SisSchool(SisCatalogue(OFFERINGS, seed=SEED, today=TODAY),
                       students=persons - staff, staff=staff)
    with running_sis(school.catalogue, client_id=CLIENT_ID, client_secret=secret,
                     school=school) as url:
        got_persons, got_associations, raw_seconds = raw_pull(url, secret, schemas)
        print(f"  SIS serves {got_persons:,} persons and {got_associations:,} associations")
        limit = row("raw limit: fetch, parse, validate", got_persons + got_associations,
                    raw_seconds, "items/s")
        for kind in ("sqlite", "postgresql"):
            written, seconds, line = _pull(kind, server, url, secret)
            row(f"gateway: first full pull ({kind})", written, seconds, "entities/s",
                limit=limit)
            print(f"    {line}")
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            verdict = "ok" if rss < TARGET_RSS_MIB else "ABOVE TARGET"
            print(f"    peak RSS so far (getrusage)  {rss:8.1f} MiB  "
                  f"(target < {TARGET_RSS_MIB} MiB: {verdict}; SIS included)", flush=True)
    enrolment_push.run(server)
