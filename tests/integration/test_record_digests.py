"""The memo store of the sync (gateway.store.record_digests) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from gateway.domain.base import content_hash
from gateway.events.outbox import OutboxWriter
from gateway.events.topics import TopicNames
from gateway.store.entities import EntityStore
from gateway.store.record_digests import RecordDigest, RecordDigestStore, record_digests
from tests import factories

TENANT, SOURCE = "roc-a", factories.SOURCE


def _row(key: str, digest: str, *entities: tuple[str, str, str]) -> RecordDigest:
    return RecordDigest(key, digest, tuple(entities))


def _stamps(engine: Engine) -> dict[str, datetime]:
    with engine.connect() as conn:
        rows = conn.execute(select(record_digests.c.record, record_digests.c.updated_at))
        return {row.record: row.updated_at for row in rows}


def test_save_writes_only_what_differs_and_forgets_as_told(engine: Engine) -> None:
    clock = [datetime(2026, 3, 1, tzinfo=UTC)]
    digests = RecordDigestStore(engine, clock=lambda: clock[0])
    assert digests.load(TENANT, SOURCE) == {}
    first = {"course/a": _row("course/a", "1", ("course", "id-a", "h-a")),
             "course/b": _row("course/b", "2", ("course", "id-b", "h-b")),
             "program/p": _row("program/p", "3", ("cohort", "id-c", "h-c"),
                               ("programme-offering", "id-o", "h-o"))}
    digests.save(TENANT, SOURCE, first, previous={}, complete=True)
    assert digests.load(TENANT, SOURCE) == first
    assert digests.load(TENANT, "other") == {} and digests.load("roc-b", SOURCE) == {}
    stamps = _stamps(engine)

    clock[0] = datetime(2026, 3, 2, tzinfo=UTC)
    digests.save(TENANT, SOURCE, dict(first), previous=first, complete=True)
    assert _stamps(engine) == stamps  # nothing differed: nothing written

    # incremental: replace a, forget b (quarantined), leave p alone
    changed = {"course/a": _row("course/a", "9", ("course", "id-a", "h-a2"))}
    digests.save(TENANT, SOURCE, changed, previous=first, complete=False, forget={"course/b"})
    assert digests.load(TENANT, SOURCE) == {**changed, "program/p": first["program/p"]}
    assert _stamps(engine)["program/p"] == stamps["program/p"]

    # full: whatever the run did not remember goes
    before = digests.load(TENANT, SOURCE)
    digests.save(TENANT, SOURCE, changed, previous=before, complete=True)
    assert digests.load(TENANT, SOURCE) == changed


def test_holding_keeps_the_rows_the_store_agrees_with(engine: Engine) -> None:
    store = EntityStore(engine, OutboxWriter(TopicNames("mbo")))
    one, two = factories.offering(ident="1"), factories.offering(ident="2")
    store.upsert([one, two])
    h1, h2 = content_hash(one.snapshot()), content_hash(two.snapshot())
    kind = one.kind
    memo = {"r/1": _row("r/1", "d", (kind, str(one.id), h1)),
            "r/2": _row("r/2", "d", (kind, str(two.id), h2)),
            "r/both": _row("r/both", "d", (kind, str(one.id), h1), (kind, str(two.id), h2)),
            "r/stale": _row("r/stale", "d", (kind, str(one.id), "an older hash")),
            "r/none": _row("r/none", "d")}
    digests = RecordDigestStore(engine)
    assert digests.holding(TENANT, SOURCE, memo) == {
        k: memo[k] for k in ("r/1", "r/2", "r/both", "r/none")}
    store.delete(TENANT, [two.id])
    assert set(digests.holding(TENANT, SOURCE, memo)) == {"r/1", "r/none"}
    assert digests.holding(TENANT, "another-source", memo).keys() == {"r/none"}
