"""``PersonStore.upsert_many`` writes what ``upsert`` per person writes, on both databases.

The same steps (new persons, a person listed twice in one page, the same page again,
changed personal data, a changed ECK iD, an erased person stored anew, two tenants) run
through both paths into two fresh databases of one kind; every entity, ``person_data``
row and outbox event must come out the same, and so must what each call returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import Person, PersonalData, SourceRef
from gateway.store.engine import make_engine
from gateway.store.migrate import upgrade
from gateway.store.persons import PersonItem, PersonStore, PersonWrite
from gateway.store.tables import entities, outbox, person_data
from gateway.testing.postgres import PostgresServer, fresh_database

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _person(tenant: str, number: int, eck: bool = False) -> Person:
    return Person.create(tenant=tenant, source=SourceRef(system="sis", id=f"p{number}"),
                         eck_id=f"https://ketenid.nl/{number:04d}" if eck else None)


def _item(tenant: str, number: int, name: str = "Anna", *, eck: bool = False) -> PersonItem:
    data = PersonalData(given_name=name, family_name=f"Jansen {number}",
                        birth_date=date(2005, 1, 1 + number % 28))
    return PersonItem(_person(tenant, number, eck), data, {"ooapi-v5": {"personId": f"p{number}",
                                                                        "givenName": name}})


#: Pages of the scenario; ``None`` erases person 3 of roc-a.
STEPS: list[list[PersonItem] | None] = [
    [_item("roc-a", n) for n in range(5)] + [_item("roc-b", 0)],
    [_item("roc-a", n) for n in range(5)] + [_item("roc-b", 0)],  # all unchanged
    [_item("roc-a", 0, "Anne"), _item("roc-a", 1, eck=True),        # data / entity only
     _item("roc-a", 2, "Ans", eck=True), _item("roc-a", 4), _item("roc-b", 0, "Bea")],
    [_item("roc-a", 5), _item("roc-a", 5, "Anouk"), _item("roc-a", 5, "Anouk"),
     _item("roc-a", 0, "Anne"), _item("roc-a", 0, "Anna")],         # listed twice or more
    None,
    [_item("roc-a", 3), _item("roc-a", 3, "Ada"), _item("roc-a", 6)],  # erased, stored anew
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two fresh, migrated databases of one kind: per person, and per page."""
    if request.param == "sqlite":
        urls = [f"sqlite:///{tmp_path}/one.db", f"sqlite:///{tmp_path}/many.db"]
        made = [make_engine(u) for u in urls]
        for eng in made:
            upgrade(eng)
        yield made[0], made[1]
        for eng in made:
            eng.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with fresh_database(server) as one, fresh_database(server) as many:
        made = [make_engine(one), make_engine(many)]
        for eng in made:
            upgrade(eng)
        yield made[0], made[1]
        for eng in made:
            eng.dispose()


def _gateway(engine: Engine) -> Gateway:
    return bootstrap(settings_for_tests(), engine=engine, clock=lambda: NOW)


def _summary(writes: list[PersonWrite]) -> list[tuple[Any, ...]]:
    return [(w.person, w.created, w.changed, w.personal_data_changed,
             [(e.type, e.subject, e.entity_version, e.data) for e in w.events]) for w in writes]


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            "entities": [tuple(r) for r in conn.execute(select(
                entities.c.tenant, entities.c.id, entities.c.kind, entities.c.version,
                entities.c.content_hash, entities.c.state, entities.c.deleted,
            ).order_by(entities.c.tenant, entities.c.id))],
            "person_data": [tuple(r) for r in conn.execute(select(
                person_data.c.tenant, person_data.c.person_id, person_data.c.data,
            ).order_by(person_data.c.tenant, person_data.c.person_id))],
            "outbox": [tuple(r) for r in conn.execute(select(
                outbox.c.tenant, outbox.c.topic, outbox.c.key, outbox.c.type,
                outbox.c.subject, outbox.c.entity_version, outbox.c.data,
            ).order_by(outbox.c.seq))],
        }


def test_upsert_many_writes_what_upsert_per_person_writes(
        engines: tuple[Engine, Engine]) -> None:
    one, many = (PersonStore(_gateway(e).store) for e in engines)
    for step in STEPS:
        if step is None:
            erased = _person("roc-a", 3)
            assert one.erase("roc-a", erased.id).deleted == 1
            assert many.erase("roc-a", erased.id).deleted == 1
            continue
        singly = [one.upsert(i.person, i.personal_data, documents=i.documents) for i in step]
        paged = many.upsert_many(step)
        assert _summary(paged) == _summary(singly)
    single_rows, bulk_rows = _rows(engines[0]), _rows(engines[1])
    assert bulk_rows == single_rows
    # The scenario did what it says, so the comparison covers each case.
    versions = {row[1]: row[5].get("personal_data_version") for row in single_rows["entities"]}
    assert versions[str(_person("roc-a", 0).id)] == 3    # Anna, Anne, (Anne), Anna
    assert versions[str(_person("roc-a", 1).id)] == 1    # only the ECK iD changed
    assert versions[str(_person("roc-a", 5).id)] == 2    # Anna, Anouk, (Anouk)
    assert versions[str(_person("roc-a", 3).id)] == 2    # anew after erasure, then Ada
    assert len(single_rows["outbox"]) == 6 + 4 + 3 + 1 + 3  # creates, changes, erasure, anew
    assert len(single_rows["person_data"]) == 8


def test_upsert_many_of_nothing_writes_nothing(engines: tuple[Engine, Engine]) -> None:
    store = PersonStore(_gateway(engines[1]).store)
    assert store.upsert_many([]) == []
    assert _rows(engines[1]) == {"entities": [], "person_data": [], "outbox": []}
