"""A simulated SIS with klassen and a timetable on loopback, and what it serves as data.

:func:`serving_timetable_school` is :func:`tests.integration.sis_school.serving_school`
with component offerings (``sessions_per_klas``); :func:`roster_of` reads the simulator's
own documents (the expected side of the tests), never the gateway's mapping.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from gateway.adapters.standards import Standards
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import entity_id
from gateway.mappings.ooapi_v5_mbo_in import SOURCE_SYSTEM, canonical_id
from gateway.settings import Settings
from gateway.testing.serving import serve_in_thread
from simulators.ooapi_sis.app import create_sis_app
from simulators.ooapi_sis.generator import SisCatalogue
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.population_writes import profile_check
from tests.integration.sis_school import SchoolSis, _wrapped

__all__ = ["SOURCE", "TENANT", "Roster", "canonical", "gateway_for", "membership_id",
           "roster_of", "serving_timetable_school", "tick"]

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


def tick(gateway: Gateway, hours: int = 1) -> None:
    now = gateway.clock() + timedelta(hours=hours)
    gateway.clock = lambda: now
    gateway.store.clock = lambda: now


def canonical(kind: str, ident: str) -> str:
    return str(canonical_id(TENANT, kind, ident))


@dataclass(frozen=True)
class Roster:
    """What the SIS serves now: groups, members (by ``<groupId>/<personId>``), offerings."""

    groups: dict[str, Doc]
    members: dict[str, Doc]
    offerings: dict[str, Doc]

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
    return Roster(groups, members, offerings)
