"""``write_transaction``: concurrent read-then-write transactions on one engine all
succeed and lose no update, on SQLite (one write lock, taken first) and PostgreSQL
(rows locked ``FOR UPDATE``)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select, update

from gateway.store.engine import write_transaction

_metadata = MetaData()
_counter = Table("test_write_counter", _metadata, Column("id", Integer, primary_key=True),
                 Column("n", Integer, nullable=False))

WRITERS, ROUNDS = 8, 15


def test_concurrent_read_then_write_transactions_lose_nothing(engine: Engine) -> None:
    _metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(insert(_counter).values(id=1, n=0))
        failures: list[BaseException] = []

        def writer() -> None:
            try:
                for _ in range(ROUNDS):
                    with write_transaction(engine) as conn:
                        query = select(_counter.c.n).where(_counter.c.id == 1)
                        if engine.dialect.name == "postgresql":
                            query = query.with_for_update()
                        n = conn.execute(query).scalar_one()
                        conn.execute(update(_counter).where(_counter.c.id == 1).values(n=n + 1))
            except Exception as exc:  # reported by the assertion below
                failures.append(exc)

        threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert failures == []
        with engine.connect() as conn:
            assert conn.execute(select(_counter.c.n)).scalar_one() == WRITERS * ROUNDS
    finally:
        _metadata.drop_all(engine)


def test_a_failed_write_transaction_rolls_back_and_frees_the_lock(engine: Engine) -> None:
    _metadata.create_all(engine)
    try:
        with pytest.raises(RuntimeError), write_transaction(engine) as conn:
            conn.execute(insert(_counter).values(id=1, n=1))
            raise RuntimeError("the work failed")
        with write_transaction(engine) as conn:  # would wait forever if the lock were kept
            assert conn.execute(select(_counter.c.n)).first() is None
    finally:
        _metadata.drop_all(engine)
