"""OneRoster 1.2 reads at school size: pages of users and enrollments, one user, the CSV bundle.

The school: ``n`` persons (50,000 by default) with names, two memberships each (a klas
and a lesgroep; one in 25 is a teacher) and ``n / 25`` groups, written untimed through
the entity and person stores into a fresh SQLite database (and PostgreSQL).

- raw limit, per figure: a bare SELECT of the same rows the gateway hands out (the
  page's entities and ``person_data`` rows by primary key, or every person, name and
  membership of the tenant for the bundle), ids known in advance: what any read of
  that page must at least cost in this run.
- gateway: :class:`~gateway.adapters.oneroster.roster_objects.RosterObjects` as the
  REST router calls it, plus the audit entries it writes (users: one per person), and
  ``export_bundle`` to a file in a fresh process (its peak RSS is the export's); best
  of three per request, one export.

Nothing here fails on a timing.
"""

from __future__ import annotations

import multiprocessing
import resource
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from bench.common import best_of, chunks, database, heading, row, timed
from gateway.adapters.oneroster.audit_reads import record_name_reads
from gateway.adapters.oneroster.bundle_export import export_bundle, roster_objects
from gateway.adapters.oneroster.query import Page, Sort
from gateway.adapters.oneroster.roster_objects import RESOURCES
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import Group, Membership, Person, PersonalData, SourceRef
from gateway.events.publisher import InMemoryEventPublisher
from gateway.store.engine import make_engine
from gateway.store.persons import PersonItem, PersonStore
from gateway.store.tables import entities, person_data
from gateway.testing.postgres import PostgresServer

__all__ = ["run"]

TENANT = "roc-a"
PAGE = 100
_FAMILY = ("Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder")
_GIVEN = ("Anna", "Bram", "Carla", "Daan", "Emma", "Finn", "Julia", "Lucas", "Noor", "Sem")


def _src(ident: str) -> SourceRef:
    return SourceRef(system="bench-sis", id=ident)


def _populate(gateway: Gateway, n: int) -> tuple[list[str], list[str]]:
    """The school; returns the person and membership ids in id order (the default sort)."""
    persons = [Person.create(tenant=TENANT, source=_src(f"p{i}")) for i in range(n)]
    items = [PersonItem(p, PersonalData(
        given_name=_GIVEN[i % len(_GIVEN)], family_name=f"{_FAMILY[i % len(_FAMILY)]} {i}",
        email=f"p{i}@example.nl", birth_date=date(2007, 1 + i % 12, 1 + i % 28)))
        for i, p in enumerate(persons)]
    store = PersonStore(gateway.store)
    for part in chunks(items, 1000):
        store.upsert_many(part)
    n_groups = max(2, n // 25)
    groups = [Group.create(tenant=TENANT, source=_src(f"g{i}"),
                           group_kind="class" if i % 2 == 0 else "teaching_group",
                           code=f"G{i}", name=f"Groep {i}", valid_from=date(2026, 8, 1),
                           valid_until=date(2027, 7, 31)) for i in range(n_groups)]
    gateway.store.upsert(groups)
    members = [Membership.create(tenant=TENANT, source=_src(f"m{i}-{k}"),
                                 group_id=groups[(2 * (i % (n_groups // 2)) + k)].id,
                                 person_id=p.id, role="teacher" if i % 25 == 0 else "student")
               for i, p in enumerate(persons) for k in (0, 1)]
    for batch in chunks(members, 2000):
        gateway.store.upsert(batch)
    return sorted(str(p.id) for p in persons), sorted(str(m.id) for m in members)


def _raw_rows(engine: Engine, ids: list[str]) -> None:
    """The page's entities by primary key: the least a page of enrollments reads."""
    with engine.connect() as conn:
        list(conn.execute(select(entities.c.state, entities.c.updated_at).where(
            entities.c.tenant == TENANT, entities.c.id.in_(ids))))


def _raw_users(engine: Engine, ids: list[str]) -> None:
    """The page's persons and their names by primary key: the least a users page reads."""
    with engine.connect() as conn:
        list(conn.execute(select(entities.c.state, entities.c.updated_at).where(
            entities.c.tenant == TENANT, entities.c.id.in_(ids))))
        list(conn.execute(select(person_data.c.data).where(
            person_data.c.tenant == TENANT, person_data.c.person_id.in_(ids))))


def _raw_all(engine: Engine) -> None:
    """Every person, name, group and membership of the tenant, streamed: the bundle's rows."""
    with engine.connect() as conn:
        for kind in ("person", "group", "membership"):
            result = conn.execution_options(stream_results=True, yield_per=1000).execute(
                select(entities.c.state, entities.c.updated_at).where(
                    entities.c.tenant == TENANT, entities.c.kind == kind))
            for _ in result.partitions(1000):
                pass
        result = conn.execution_options(stream_results=True, yield_per=1000).execute(
            select(person_data.c.data).where(person_data.c.tenant == TENANT))
        for _ in result.partitions(1000):
            pass


def _best(action: Callable[[], Any], times: int = 3) -> float:
    return best_of([timed(action)[1] for _ in range(times)])


def _measure(gateway: Gateway, ids: list[str], members: list[str], label: str) -> None:
    engine = gateway.engine
    objects = roster_objects(gateway, TENANT)
    users, enrollments = RESOURCES["users"], RESOURCES["enrollments"]
    last = (len(ids) - 1) // PAGE * PAGE
    last_member = (len(members) - 1) // PAGE * PAGE
    by_family = Sort("familyName", descending=False)

    def users_page(sort: Sort | None, offset: int) -> Callable[[], Any]:
        def read() -> Any:
            items, total = objects.page(users, None, sort, Page(PAGE, offset))
            record_name_reads(engine, gateway.clock, tenant=TENANT, client_id="bench",
                              issuer="bench", person_ids=[u["sourcedId"] for u in items])
            return items, total
        return read

    def one_user() -> Any:
        found = objects.one(users, ids[len(ids) // 2])
        record_name_reads(engine, gateway.clock, tenant=TENANT, client_id="bench",
                          issuer="bench", person_ids=[found["sourcedId"]] if found else [])
        return found

    heading(f"oneroster: {len(ids):,} users on {label} (req/s; ratio to bare SELECT)")
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        ("users, first page", users_page(None, 0), lambda: _raw_users(engine, ids[:PAGE])),
        ("users, last page by familyName", users_page(by_family, last),
         lambda: _raw_users(engine, ids[last:])),
        ("one user by id", one_user, lambda: _raw_users(engine, ids[len(ids) // 2:][:1])),
        ("enrollments, first page",
         lambda: objects.page(enrollments, None, None, Page(PAGE, 0)),
         lambda: _raw_rows(engine, members[:PAGE])),
        ("enrollments, last page",
         lambda: objects.page(enrollments, None, None, Page(PAGE, last_member)),
         lambda: _raw_rows(engine, members[last_member:])),
    ]
    for name, gateway_read, raw_read in cases:
        raw = _best(raw_read)
        row(name, 1, _best(gateway_read), "req/s", limit=1 / raw,
            extra=f"({raw * 1000:.1f} ms raw)")
    raw = _best(lambda: _raw_all(engine), 1)
    url = engine.url.render_as_string(hide_password=False)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        users_written, seconds, peak = pool.apply(_export, (url,))
    row("CSV bundle export", users_written, seconds, "users/s", limit=len(ids) / raw,
        extra=f"(peak RSS of the exporting process {peak:.0f} MiB)")


def _export(url: str) -> tuple[int, float, float]:
    """The bundle written to a file by a fresh process, so that its peak RSS is the export's
    (and an interpreter's), not the population's."""
    engine = make_engine(url)
    try:
        gateway = bootstrap(settings_for_tests(), engine=engine,
                            publisher=InMemoryEventPublisher())
        with tempfile.TemporaryDirectory(prefix="gateway-bench-") as tmp:
            summary, seconds = timed(lambda: export_bundle(
                gateway, TENANT, Path(tmp) / "roster.zip", client_id="bench", issuer="bench"))
    finally:
        engine.dispose()
    return summary.rows["users"], seconds, _peak_mib()


def _peak_mib() -> float:
    """This process's peak RSS: ``VmHWM`` (Linux; ``ru_maxrss`` survives the exec of a
    spawned process, so it would report the parent's peak), else ``ru_maxrss``."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(server: PostgresServer | None, *, n: int) -> None:
    """Populate a school of ``max(n, 50,000)`` persons on SQLite and PostgreSQL; measure."""
    size = n if n < 20_000 else max(n, 50_000)
    for kind in ("sqlite", "postgresql"):
        if kind == "postgresql" and server is None:
            continue
        with database(kind, server) as engine:
            gateway = bootstrap(settings_for_tests(), engine=engine,
                                publisher=InMemoryEventPublisher())
            (ids, members), seconds = timed(lambda g=gateway: _populate(g, size))  # type: ignore[misc]
            print(f"  (populated {size:,} persons in {seconds:.0f} s, untimed below)")
            _measure(gateway, ids, members, kind)
