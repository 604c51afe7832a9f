"""Push burst: concurrent SIS clients ``PUT /ooapi/v5-mbo/persons/{id}`` to a live gateway.

The gateway (``create_app``) runs in uvicorn on 127.0.0.1 in this process, on a fresh
SQLite and then PostgreSQL database; ``CLIENTS`` threads, each with its own
``httpx.Client`` and the token of a client with the SIS's flow scope, send ``REQUESTS``
new persons (valid mbo profile documents) between them. Printed: requests per second
over the burst, the p50/p99 latency of one request, and the SQL statements and
transactions per request (a listener on the engine; a regression shows here first). Every
reply must be 201.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import Engine, event

from bench.catalogue_common import standards
from bench.common import database, row
from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import bootstrap
from gateway.testing.postgres import PostgresServer
from gateway.testing.serving import serve_in_thread

__all__ = ["run"]

TENANT, SCOPE = "roc-a", "nl-test-admin-flow-1-5"
CLIENTS, REQUESTS = 16, 2_000


def person_doc(pid: str, number: int) -> dict[str, Any]:
    """A person as an SIS pushes it (the mbo profile's example shape, own ids and names)."""
    return {
        "personId": pid, "primaryCode": {"codeType": "studentNumber", "code": f"{number:08d}"},
        "givenName": "Student", "surnamePrefix": "van", "surname": f"Bench {number}",
        "displayName": f"Student van Bench {number}", "initials": "S",
        "activeEnrollment": True, "affiliations": ["student"],
        "mail": f"student{number}@student.roc-a.nl", "dateOfBirth": "2007-03-14",
        "languageOfChoice": ["nl-NL"],
        "address": {"addressType": "postal", "street": "Dorpsstraat", "streetNumber": "12",
                    "postalCode": "1234 AB", "city": "Amstelveen", "countryCode": "NL"},
        "consumers": [{"consumerKey": "nl-test-admin", "preferredName": "Stu",
                       "idCheckName": f"van Bench {number}, Student"}],
    }


def _client(base: str, token: str, numbers: range, latencies: list[float],
            failures: list[str]) -> None:
    with httpx.Client(base_url=base, timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        for number in numbers:
            pid = str(uuid.uuid4())
            start = time.perf_counter()
            reply = http.put(f"/ooapi/v5-mbo/persons/{pid}", json=person_doc(pid, number))
            latencies.append(time.perf_counter() - start)
            if reply.status_code != 201:
                failures.append(f"{reply.status_code} {reply.text[:200]}")


class _Statements:
    """Counts what the gateway sends its database (every thread of this process)."""

    def __init__(self, engine: Engine) -> None:
        self.statements = self.transactions = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._begin)

    def _statement(self, *_args: Any) -> None:
        self.statements += 1

    def _begin(self, *_args: Any) -> None:
        self.transactions += 1


def burst(kind: str, server: PostgresServer) -> None:
    """One burst of ``REQUESTS`` PUTs by ``CLIENTS`` threads into a fresh gateway."""
    with database(kind, server) as engine:
        gateway = bootstrap(settings_for_tests(token_ttl_seconds=3600,
                                               standards_dir=standards().root), engine=engine)
        try:
            secret = ClientRegistry.for_gateway(gateway).register(TENANT, "bench-sis", [SCOPE])
            with serve_in_thread(create_app(gateway)) as port:
                base = f"http://127.0.0.1:{port}"
                with httpx.Client(base_url=base, timeout=30) as http:
                    reply = http.post("/oauth/token", auth=("bench-sis", secret),
                                      data={"grant_type": "client_credentials"})
                    reply.raise_for_status()
                    token = reply.json()["access_token"]
                counted = _Statements(engine)
                latencies: list[float] = []
                failures: list[str] = []
                share = REQUESTS // CLIENTS
                threads = [threading.Thread(target=_client, args=(
                    base, token, range(i * share, (i + 1) * share), latencies, failures))
                    for i in range(CLIENTS)]
                start = time.perf_counter()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                seconds = time.perf_counter() - start
        finally:
            gateway.close()
    assert not failures, f"{len(failures)} PUTs failed, first: {failures[0]}"
    cuts = statistics.quantiles(latencies, n=100)
    row(f"gateway: PUT person burst ({kind})", len(latencies), seconds, "req/s",
        extra=f"p50 {cuts[49] * 1000:6.1f} ms  p99 {cuts[98] * 1000:6.1f} ms  "
              f"SQL {counted.statements / len(latencies):.1f}/req in "
              f"{counted.transactions / len(latencies):.1f} tx")


def run(server: PostgresServer) -> None:
    print(f"\n  push burst: {CLIENTS} concurrent clients, {REQUESTS:,} PUT "
          "/ooapi/v5-mbo/persons/{id} (new persons), uvicorn on loopback", flush=True)
    for kind in ("sqlite", "postgresql"):
        burst(kind, server)
