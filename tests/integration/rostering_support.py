"""A simulated SIS with klassen and a timetable on loopback, and what it serves as data.

:func:`serving_timetable_school` is :func:`tests.integration.sis_school.serving_school`
with component offerings (``sessions_per_klas``); :func:`roster_of` reads the simulator's
own documents (the expected side of the tests), never the gateway's mapping.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from gateway.adapters.standards import Standards
from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import entity_id
from gateway.mappings.ooapi_v5_mbo_in import SOURCE_SYSTEM, canonical_id
from gateway.settings import Settings
from gateway.testing.serving import serve_in_thread
from simulators.ooapi_sis.app import create_sis_app
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.offering_groups_app import groups_of_offering
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.population_writes import profile_check
from tests.integration.sis_school import SchoolSis, _wrapped

__all__ = ["SOURCE", "TENANT", "Roster", "canonical", "events_since", "gateway_for",
           "membership_id", "profile_reader", "roster_of", "serving_timetable_school", "tick"]

TENANT, SOURCE = "roc-a", "sis"
Doc = dict[str, Any]


@contextmanager
def serving_timetable_school(
    standards: Standards, *, students: int, sessions_per_klas: int = 10, offerings: int = 6,
    seed: int = 21, today: date = date(2026, 3, 1),
) -> Iterator[SchoolSis]:
    """A school of ``students`` with ``sessions_per_klas`` lessons and exams per klas."""
    school = SisSchool(SisCatalogue(offerings, seed=seed, today=today), students=students,
                       sessions_per_klas=sessions_per_klas)
    sis = SchoolSis(school)
    app = create_sis_app(school.catalogue, client_id=sis.client_id, client_secret=sis.secret,
                         school=school, check=profile_check(standards))
    with serve_in_thread(_wrapped(app, sis)) as port:
        sis.url = f"http://127.0.0.1:{port}"
        yield sis


def gateway_for(engine: Engine, sis: SchoolSis, standards: Standards,
                page_size: int = 50) -> Gateway:
    settings = Settings(
        token_secret=secrets.token_hex(32), standards_dir=standards.root,
        tenants=[{"id": TENANT, "name": "ROC A"}],
        sources=[{"tenant": TENANT, "name": SOURCE, "base_url": sis.url,
                  "token_url": f"{sis.url}/oauth/token", "client_id": sis.client_id,
                  "client_secret": sis.secret, "page_size": page_size,
                  "resources": ["rostering"]}],
    )
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    return bootstrap(settings, engine=engine, clock=lambda: now)


@contextmanager
def profile_reader(gateway: Gateway) -> Iterator[Callable[..., httpx.Response]]:
    """``get(path, **params)`` on the gateway's own ``/ooapi/v5-mbo``, served over loopback,
    as the SIS's client (scope ``nl-test-admin-flow-1-5``); tokens live on the wall clock,
    so the gateway runs on it meanwhile (pulls go outside)."""
    clocks = gateway.clock, gateway.store.clock
    gateway.clock = gateway.store.clock = lambda: datetime.now(UTC)
    client_id = f"mbo-{secrets.token_hex(4)}"
    secret = ClientRegistry.for_gateway(gateway).register(TENANT, client_id,
                                                          ["nl-test-admin-flow-1-5"])
    with ExitStack() as stack:
        stack.callback(setattr, gateway, "clock", clocks[0])
        stack.callback(setattr, gateway.store, "clock", clocks[1])
        port = stack.enter_context(serve_in_thread(create_app(gateway)))
        http = stack.enter_context(httpx.Client(timeout=30))
        base = f"http://127.0.0.1:{port}"
        reply = http.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(client_id, secret))
        assert reply.status_code == 200, reply.text
        headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}

        def get(path: str, **params: Any) -> httpx.Response:
            return http.get(f"{base}/ooapi/v5-mbo{path}", params=params, headers=headers)

        yield get


def events_since(gateway: Gateway, cursor: int) -> list[Any]:
    """The tenant's events after ``cursor``."""
    return gateway.event_log.read(TENANT, after=cursor, limit=100_000).events


def tick(gateway: Gateway, hours: int = 1) -> None:
    now = gateway.clock() + timedelta(hours=hours)
    gateway.clock = lambda: now
    gateway.store.clock = lambda: now


def canonical(kind: str, ident: str) -> str:
    return str(canonical_id(TENANT, kind, ident))


@dataclass(frozen=True)
class Roster:
    """What the SIS serves now: groups, members (by ``<groupId>/<personId>``), offerings,
    and per offering the group ids and staff person ids its lists name."""

    groups: dict[str, Doc]
    members: dict[str, Doc]
    offerings: dict[str, Doc]
    relations: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]

    def subjects(self) -> dict[str, str]:
        """Canonical id -> canonical kind of everything listed."""
        found = {canonical("group", g): "group" for g in self.groups}
        found.update({membership_id(m): "membership" for m in self.members})
        found.update({canonical("timetable-activity", o): "timetable-activity"
                      for o in self.offerings})
        return found


def membership_id(key: str) -> str:
    """The canonical id of member ``<groupId>/<personId>`` (not a UUID: no canonical_id)."""
    return str(entity_id(TENANT, SOURCE_SYSTEM, "membership", key))


def roster_of(school: SisSchool) -> Roster:
    with school.lock:
        groups = {school.group_ids.encode(n): school.group(n) for n in school.group_numbers()}
        members = {f"{gid}/{m['personId']}": m for gid in groups
                   for m in school.members(school.group_number(gid))}  # type: ignore[arg-type]
        offerings = {d["offeringId"]: d for d in school.timetable.offerings()}
        relations = {}
        for oid in offerings:
            number = school.timetable.offering_number(oid)
            assert number is not None
            klassen = groups_of_offering(school, oid) or []
            relations[oid] = (
                tuple(school.group_ids.encode(n) for n in klassen),
                tuple(p for _, p in school.timetable.staff_associations(number)))
    return Roster(groups, members, offerings, relations)
