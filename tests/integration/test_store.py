"""The entity store on SQLite and PostgreSQL: change detection, versions, snapshots, tenants."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, func, inspect, select

from gateway.events.outbox import OutboxWriter
from gateway.events.topics import TopicNames
from gateway.store.entities import EntityStore
from gateway.store.tables import entities, metadata, outbox
from tests import factories


def _store(engine: Engine) -> EntityStore:
    return EntityStore(engine, OutboxWriter(TopicNames("mbo")))


def _outbox_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def test_migrations_create_every_table_with_a_tenant_column(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= names
    for table in metadata.tables.values():
        if table.name != "relay_lanes":  # infrastructure, holds no tenant data
            assert "tenant" in table.c, table.name


def test_unchanged_input_writes_nothing_and_emits_nothing(engine: Engine) -> None:
    store = _store(engine)
    first = store.upsert([factories.offering(ident=str(n)) for n in range(5)])
    assert (first.created, first.changed, len(first.events)) == (5, 0, 5)
    again = store.upsert([factories.offering(ident=str(n)) for n in range(5)])
    assert (again.created, again.changed, again.unchanged, again.events) == (0, 0, 5, [])
    assert _outbox_count(engine) == 5
    with engine.connect() as conn:
        assert set(conn.execute(select(entities.c.version)).scalars()) == {1}


def test_a_change_bumps_the_version_and_lists_the_changed_fields(engine: Engine) -> None:
    store = _store(engine)
    store.upsert([factories.offering(name="A")])
    result = store.upsert([factories.offering(name="B", level=3)])
    (event,) = result.events
    assert result.changed == 1
    assert event.entity_version == 2
    assert event.data["changedFields"] == ["level", "name"]
    assert event.data["entity"]["name"] == "B"
    assert store.get("roc-a", factories.offering().id).version == 2


def test_snapshot_finds_deletions_and_keeps_quarantined_records(engine: Engine) -> None:
    store = _store(engine)
    store.upsert([factories.offering(ident=str(n)) for n in range(4)])
    kept = factories.offering(ident="3").id
    result = store.apply_snapshot(
        "roc-a", "programme-offering", factories.SOURCE,
        [factories.offering(ident="0"), factories.offering(ident="1", name="renamed")],
        keep=frozenset({kept}),
    )
    assert (result.unchanged, result.changed, result.deleted) == (1, 1, 1)
    deleted = [e for e in result.events if e.type.endswith(".deleted.v1")]
    assert [e.subject for e in deleted] == [str(factories.offering(ident="2").id)]
    assert deleted[0].data == {"entity": {"id": deleted[0].subject, "tenant": "roc-a",
                                          "source": {"system": "test-sis", "id": "2"}},
                               "changedFields": []}
    assert not store.get("roc-a", kept).deleted
    # deleting again is a no-op, and a deleted entity comes back with a new version
    same = [factories.offering(ident="0"), factories.offering(ident="1", name="renamed")]
    again = store.apply_snapshot("roc-a", "programme-offering", factories.SOURCE, same,
                                 keep=frozenset({kept}))
    assert again.events == []
    back = store.upsert([factories.offering(ident="2")])
    assert back.events[0].entity_version == 3


def test_tenants_are_kept_apart(engine: Engine) -> None:
    store = _store(engine)
    store.upsert([factories.offering(tenant="roc-a"), factories.offering(tenant="roc-b")])
    result = store.apply_snapshot("roc-a", "programme-offering", factories.SOURCE, [])
    assert result.deleted == 1
    assert len(store.list("roc-b", "programme-offering")) == 1
    assert store.list("roc-a", "programme-offering") == []
    topics = {e.topic for e in result.events}
    assert topics == {"mbo.roc-a.catalogue"}


def test_entity_and_outbox_rows_commit_together(engine: Engine) -> None:
    store = _store(engine)
    bad = factories.offering(ident="x")
    # an entity whose id already belongs to another kind makes the whole batch fail
    store.upsert([factories.cohort(ident="x")])
    before = _outbox_count(engine)
    forged = bad.model_copy(update={"id": factories.cohort(ident="x").id})
    try:
        store.upsert([factories.offering(ident="y"), forged])
    except Exception as exc:  # noqa: BLE001
        assert "is a cohort" in str(exc)
    else:
        raise AssertionError("the forged batch was accepted")
    assert _outbox_count(engine) == before
    assert store.list("roc-a", "programme-offering") == []


def test_concurrent_writers_give_one_version_per_change(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        return  # SQLite serialises writers itself; the row locks matter on PostgreSQL
    store = _store(engine)
    store.upsert([factories.offering(name="v0")])
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                store.upsert([factories.offering(name=f"w{n}-{i}")])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        versions = list(conn.execute(select(outbox.c.entity_version).order_by(
            outbox.c.entity_version)).scalars())
        ids = list(conn.execute(select(outbox.c.event_id)).scalars())
    assert versions == list(range(1, len(versions) + 1))
    assert len(set(ids)) == len(ids)
