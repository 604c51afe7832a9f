"""Migration 0010 on SQLite and PostgreSQL: upgrade from 0009 with data, writes after it, downgrade.

The derived columns (``entities.person_ref``/``group_ref``, ``person_data.family_name_key``)
are filled for the rows written before the upgrade, kept right by every write path after
it (entity store, person store, erasure), and hold exactly what the reads of 0009
computed from the JSON. Downgrading restores 0009's schema with the data intact, and
upgrading again fills the columns anew.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, func, select, text

from gateway.adapters.oneroster.roster_collections import USERS
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import Group, Membership, Person, PersonalData, SourceRef
from gateway.events.publisher import InMemoryEventPublisher
from gateway.store.engine import make_engine
from gateway.store.migrate import alembic_config, upgrade
from gateway.store.persons import PersonItem, PersonStore
from gateway.store.tables import person_data

TENANT = "roc-a"
NEW_INDEXES = {"ix_entities_tenant_kind_person_ref", "ix_entities_tenant_kind_group_ref",
               "ix_person_data_family_name_key"}
OLD_INDEXES = {"ix_entities_tenant_kind_person_id", "ix_entities_tenant_kind_group_id"}
#: Names whose sort keys differ by case, prefix, surrounding blanks and non-ASCII letters.
NAMES = {"anna": PersonalData(given_name="Anna", family_name="Bakker"),
         "bram": PersonalData(given_name="Bram", family_name_prefix="de", family_name="Vries"),
         "carla": PersonalData(given_name="Carla", family_name="ÖZTÜRK"),
         "dirk": PersonalData(given_name="Dirk"),
         "eva": PersonalData(family_name_prefix="van der", family_name="Berg")}


def _src(ident: str) -> SourceRef:
    return SourceRef(system="sis", id=ident)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def at_0009(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a database migrated to 0009 only."""
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite"
                                       else "postgres_url")
    engine = make_engine(url)
    upgrade(engine, "0009")
    yield engine
    engine.dispose()


def _gateway(engine: Engine) -> Gateway:
    return bootstrap(settings_for_tests(), engine=engine, publisher=InMemoryEventPublisher())


def _seed(gateway: Gateway) -> dict[str, Any]:
    """Five named persons, one without personal data, two groups, a membership each."""
    persons = {k: Person.create(tenant=TENANT, source=_src(k)) for k in [*NAMES, "nameless"]}
    PersonStore(gateway.store).upsert_many(
        [PersonItem(persons[k], data) for k, data in NAMES.items()])
    groups = [Group.create(tenant=TENANT, source=_src(f"g{i}"), group_kind="class",
                           code=f"G{i}", name=f"Groep {i}") for i in range(2)]
    members = {k: Membership.create(tenant=TENANT, source=_src(f"m-{k}"),
                                    group_id=groups[i % 2].id, person_id=p.id, role="student")
               for i, (k, p) in enumerate(persons.items())}
    gateway.store.upsert([persons["nameless"], *groups, *members.values()])
    return {"persons": persons, "groups": groups, "members": members}


def _refs(engine: Engine) -> dict[str, tuple[str | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, person_ref, group_ref FROM entities"))
        return {r.id: (r.person_ref, r.group_ref) for r in rows}


def _keys(engine: Engine) -> dict[str, tuple[str, str]]:
    """Per person: the stored key, and what 0009's read computed from the JSON."""
    family = USERS.build(TENANT)[1]["familyName"][0]
    with engine.connect() as conn:
        rows = conn.execute(select(person_data.c.person_id, person_data.c.family_name_key,
                                   func.lower(family)).select_from(person_data))
        return {r[0]: (r[1], r[2]) for r in rows}


def _indexes(engine: Engine) -> set[str]:
    sql = ("SELECT indexname FROM pg_indexes WHERE tablename IN ('entities', 'person_data')"
           if engine.dialect.name == "postgresql" else
           "SELECT name FROM sqlite_master WHERE type = 'index' "
           "AND tbl_name IN ('entities', 'person_data')")
    with engine.connect() as conn:
        return {str(name) for name in conn.execute(text(sql)).scalars()}


def _expected_refs(seeded: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    expected: dict[str, tuple[str | None, str | None]] = {
        str(e.id): (None, None) for e in [*seeded["persons"].values(), *seeded["groups"]]}
    expected.update({str(m.id): (str(m.person_id), str(m.group_id))
                     for m in seeded["members"].values()})
    return expected


def test_upgrade_fills_the_columns_of_existing_rows(at_0009: Engine) -> None:
    seeded = _seed(_gateway(at_0009))
    assert _indexes(at_0009) >= OLD_INDEXES
    upgrade(at_0009, "0010")
    assert _refs(at_0009) == _expected_refs(seeded)
    keys = _keys(at_0009)
    persons = seeded["persons"]
    assert {k: keys[str(persons[k].id)][0] for k in NAMES if k != "carla"} == {
        "anna": "bakker", "bram": "de vries", "dirk": "", "eva": "van der berg"}
    # each (ÖZTÜRK too: lower() of non-ASCII differs between the engines) as 0009 read it
    assert len(keys) == len(NAMES)
    assert all(stored == computed for stored, computed in keys.values()), keys
    found = _indexes(at_0009)
    assert found >= NEW_INDEXES and not OLD_INDEXES & found, found


def test_every_write_path_keeps_the_columns_right(at_0009: Engine) -> None:
    upgrade(at_0009, "0010")
    gateway = _gateway(at_0009)
    seeded = _seed(gateway)  # inserts after the upgrade
    assert _refs(at_0009) == _expected_refs(seeded)
    persons, groups, members = seeded["persons"], seeded["groups"], seeded["members"]
    moved = members["anna"].model_copy(update={"person_id": persons["bram"].id,
                                               "group_id": groups[1].id})
    gateway.store.upsert([moved])  # an update of the state
    gateway.store.delete(TENANT, [members["bram"].id])  # a tombstone keeps the state
    store = PersonStore(gateway.store)
    store.upsert(persons["anna"], PersonalData(given_name="Anna", family_name_prefix="ter",
                                               family_name="Horst"))
    store.erase(TENANT, persons["eva"].id)  # person_data row gone, entity state reduced
    refs = _refs(at_0009)
    assert refs[str(moved.id)] == (str(persons["bram"].id), str(groups[1].id))
    assert refs[str(members["bram"].id)] == (str(persons["bram"].id), str(groups[1].id))
    assert refs[str(persons["eva"].id)] == (None, None)
    keys = _keys(at_0009)
    assert keys[str(persons["anna"].id)][0] == "ter horst"
    assert str(persons["eva"].id) not in keys
    assert all(stored == computed for stored, computed in keys.values()), keys


def test_downgrade_restores_0009_and_upgrading_again_refills(at_0009: Engine) -> None:
    upgrade(at_0009, "0010")
    seeded = _seed(_gateway(at_0009))
    command.downgrade(alembic_config(at_0009), "0009")
    found = _indexes(at_0009)
    assert found >= OLD_INDEXES and not NEW_INDEXES & found, found
    with at_0009.connect() as conn:
        columns = set(conn.execute(text("SELECT * FROM entities")).keys())
        data_columns = set(conn.execute(text("SELECT * FROM person_data")).keys())
        ids = set(conn.execute(text("SELECT id FROM entities")).scalars())
        named = conn.execute(text("SELECT count(*) FROM person_data")).scalar_one()
    assert not {"person_ref", "group_ref"} & columns and "family_name_key" not in data_columns
    assert ids == set(_expected_refs(seeded)) and named == len(NAMES)
    upgrade(at_0009, "0010")
    assert _refs(at_0009) == _expected_refs(seeded)
    assert all(stored == computed for stored, computed in _keys(at_0009).values())


@pytest.mark.postgres
def test_an_empty_postgresql_database_is_left_without_statistics(postgres_url: str) -> None:
    """Statistics of an empty table record "no rows", which the planner believes until
    autovacuum analyzes the first load. 0010 analyzes only tables with rows, and its
    rewrite of ``entities`` drops the "no rows" that 0009's ANALYZE recorded."""
    engine = make_engine(postgres_url)
    try:
        upgrade(engine, "0010")
        with engine.connect() as conn:
            tuples = {r.relname: r.reltuples for r in conn.execute(text(
                "SELECT relname, reltuples FROM pg_class "
                "WHERE relname IN ('entities', 'person_data')"))}
    finally:
        engine.dispose()
    assert tuples == {"entities": -1, "person_data": -1}  # -1: never analyzed
