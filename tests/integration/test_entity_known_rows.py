"""``EntityStore.upsert_in(..., known=...)``: rows the caller already read are not read
again, and the result is the one a fresh read gives; a ``known`` row that is stale or
belongs to something else (a caller breaking the precondition) writes nothing wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import IntegrityError

from gateway.errors import ConflictError
from gateway.events.outbox import OutboxWriter
from gateway.events.topics import TopicNames
from gateway.store.engine import write_transaction
from gateway.store.entities import ApplyResult, EntityStore, StoredEntity
from gateway.store.tables import outbox
from tests import factories


def _store(engine: Engine) -> EntityStore:
    return EntityStore(engine, OutboxWriter(TopicNames("mbo")))


def _outbox_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def _selects(engine: Engine) -> tuple[list[str], Any]:
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            seen.append(sql)

    return seen, statement


def _data(result: ApplyResult) -> list[Any]:
    return [(e.type, e.entity_version, e.data["changedFields"]) for e in result.events]


def test_known_rows_are_not_read_again_and_write_the_same(engine: Engine) -> None:
    store = _store(engine)
    first, second = factories.offering(ident="o1"), factories.offering(ident="o2")
    store.upsert([first, second])
    renamed = [first.model_copy(update={"name": "Renamed"}),
               second.model_copy(update={"name": "Renamed"})]
    seen, listener = _selects(engine)
    with write_transaction(engine) as conn:
        stored = store.get_in(conn, first.tenant, first.id, lock=True)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            with_known = store.upsert_in(conn, renamed[:1], known={first.id: stored})
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert not seen  # neither version/hash nor the state before was read again
    without = store.upsert(renamed[1:])
    assert (with_known.created, with_known.changed) == (0, 1)
    assert _data(with_known) == _data(without)
    assert _data(with_known)[0][1:] == (2, ["name"])
    assert store.get(first.tenant, first.id).entity() == renamed[0]


def test_known_absence_inserts_and_a_known_unchanged_row_writes_nothing(
        engine: Engine) -> None:
    store = _store(engine)
    item = factories.offering(ident="o3")
    with write_transaction(engine) as conn:
        assert store.get_in(conn, item.tenant, item.id, lock=True) is None
        created = store.upsert_in(conn, [item], known={item.id: None})
    assert (created.created, len(created.events)) == (1, 1)
    before = _outbox_count(engine)
    with write_transaction(engine) as conn:
        stored = store.get_in(conn, item.tenant, item.id, lock=True)
        again = store.upsert_in(conn, [item], known={item.id: stored})
    assert (again.unchanged, again.events) == (1, [])
    assert _outbox_count(engine) == before


def test_a_kind_conflict_is_still_refused(engine: Engine) -> None:
    store = _store(engine)
    offering = factories.offering(ident="o4")
    store.upsert([offering])
    forged = factories.cohort(ident="c4").model_copy(update={"id": offering.id})
    before = _outbox_count(engine)
    with pytest.raises(ConflictError), write_transaction(engine) as conn:
        stored = store.get_in(conn, offering.tenant, offering.id, lock=True)
        store.upsert_in(conn, [forged], known={offering.id: stored})
    assert store.get(offering.tenant, offering.id).entity() == offering
    assert _outbox_count(engine) == before


def test_a_known_row_that_lies_about_its_kind_overwrites_nothing(engine: Engine) -> None:
    store = _store(engine)
    offering = factories.offering(ident="o5")
    store.upsert([offering])
    forged = factories.cohort(ident="c5").model_copy(update={"id": offering.id})
    lie = StoredEntity("cohort", 1, False, forged.snapshot(), datetime.now(UTC),
                       "0" * 64, "test-sis", "c5")
    before = _outbox_count(engine)
    with pytest.raises(ConflictError), write_transaction(engine) as conn:
        store.upsert_in(conn, [forged.model_copy(update={"code": "other"})],
                        known={offering.id: lie})
    stored = store.get(offering.tenant, offering.id)
    assert (stored.kind, stored.version, stored.entity()) == ("programme-offering", 1, offering)
    assert _outbox_count(engine) == before


def test_a_stale_known_row_writes_nothing(engine: Engine) -> None:
    store = _store(engine)
    item = factories.offering(ident="o6")
    store.upsert([item])
    with engine.connect() as conn:
        stale = store.get_in(conn, item.tenant, item.id)
    store.upsert([item.model_copy(update={"name": "Second"})])  # version 2 now
    before = _outbox_count(engine)
    with pytest.raises(ConflictError), write_transaction(engine) as conn:
        store.upsert_in(conn, [item.model_copy(update={"name": "Third"})],
                        known={item.id: stale})
    stored = store.get(item.tenant, item.id)
    assert (stored.version, stored.state["name"]) == (2, "Second")
    assert _outbox_count(engine) == before


def test_a_row_known_absent_that_exists_fails_its_insert(engine: Engine) -> None:
    store = _store(engine)
    item = factories.offering(ident="o7")
    store.upsert([item])
    before = _outbox_count(engine)
    with pytest.raises(IntegrityError), write_transaction(engine) as conn:
        store.upsert_in(conn, [item.model_copy(update={"name": "Other"})],
                        known={item.id: None})
    assert store.get(item.tenant, item.id).entity() == item
    assert _outbox_count(engine) == before


def test_a_known_row_of_another_entity_or_without_hash_is_read_again(
        engine: Engine) -> None:
    store = _store(engine)
    item, other = factories.offering(ident="o8"), factories.offering(ident="o9")
    store.upsert([item, other])
    with write_transaction(engine) as conn:
        wrong = store.get_in(conn, other.tenant, other.id, lock=True)
        result = store.upsert_in(conn, [item], known={item.id: wrong})
    assert (result.unchanged, result.events) == (1, [])
    own = store.get(item.tenant, item.id)
    hand_built = StoredEntity(own.kind, own.version, own.deleted, own.state, own.updated_at)
    with write_transaction(engine) as conn:
        result = store.upsert_in(conn, [item], known={item.id: hand_built})
    assert (result.unchanged, result.events) == (1, [])
