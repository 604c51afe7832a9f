"""Idempotency keys on SQLite and PostgreSQL: one execution per key, also under contention."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from gateway.store.idempotency import (
    ClaimKind,
    IdempotencyStore,
    StoredResponse,
    idempotency_keys,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RESPONSE = StoredResponse(201, b'{"applicationId":"x"}', {"location": "/x",
                                                          "content-type": "application/json"})


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_first_claim_executes_then_the_stored_response_is_replayed(engine: Engine) -> None:
    keys = IdempotencyStore(engine, Clock())
    assert keys.claim("roc-a", "app", "k1", "f1").kind is ClaimKind.EXECUTE
    assert keys.claim("roc-a", "app", "k1", "f1").kind is ClaimKind.IN_PROGRESS
    keys.complete("roc-a", "app", "k1", RESPONSE)
    replay = keys.claim("roc-a", "app", "k1", "f1")
    assert replay.kind is ClaimKind.REPLAY
    assert replay.response == RESPONSE


def test_the_same_key_with_another_request_is_a_mismatch(engine: Engine) -> None:
    keys = IdempotencyStore(engine, Clock())
    keys.claim("roc-a", "app", "k1", "f1")
    assert keys.claim("roc-a", "app", "k1", "f2").kind is ClaimKind.MISMATCH
    keys.complete("roc-a", "app", "k1", RESPONSE)
    assert keys.claim("roc-a", "app", "k1", "f2").kind is ClaimKind.MISMATCH


def test_keys_are_scoped_per_tenant_and_client(engine: Engine) -> None:
    keys = IdempotencyStore(engine, Clock())
    assert keys.claim("roc-a", "app", "k1", "f1").kind is ClaimKind.EXECUTE
    assert keys.claim("roc-a", "other-app", "k1", "f2").kind is ClaimKind.EXECUTE
    assert keys.claim("roc-b", "app", "k1", "f3").kind is ClaimKind.EXECUTE


def test_expired_keys_are_new_keys_and_are_purged(engine: Engine) -> None:
    clock = Clock()
    keys = IdempotencyStore(engine, clock, ttl=timedelta(hours=24))
    keys.claim("roc-a", "app", "old", "f1")
    keys.complete("roc-a", "app", "old", RESPONSE)
    keys.claim("roc-a", "app", "young", "f1")
    clock.now = T0 + timedelta(hours=23)
    keys.claim("roc-a", "app", "young", "f1")
    clock.now = T0 + timedelta(hours=24)
    assert keys.claim("roc-a", "app", "old", "f2").kind is ClaimKind.EXECUTE  # expired: new
    clock.now = T0 + timedelta(hours=48)
    assert keys.purge_expired() == 2
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(idempotency_keys)).scalar() == 0


def test_a_released_key_runs_again(engine: Engine) -> None:
    keys = IdempotencyStore(engine, Clock())
    keys.claim("roc-a", "app", "k1", "f1")
    keys.release("roc-a", "app", "k1")
    assert keys.claim("roc-a", "app", "k1", "f1").kind is ClaimKind.EXECUTE


def test_a_dead_holders_lease_is_taken_over_once(engine: Engine) -> None:
    clock = Clock()
    keys = IdempotencyStore(engine, clock, lease=timedelta(seconds=60))
    keys.claim("roc-a", "app", "k1", "f1")  # its process dies here
    clock.now = T0 + timedelta(seconds=59)
    assert keys.claim("roc-a", "app", "k1", "f1").kind is ClaimKind.IN_PROGRESS
    clock.now = T0 + timedelta(seconds=61)
    assert keys.claim("roc-a", "app", "k1", "f1").kind is ClaimKind.EXECUTE
    assert keys.claim("roc-a", "app", "k1", "f1").kind is ClaimKind.IN_PROGRESS  # new lease
    keys.complete("roc-a", "app", "k1", RESPONSE)
    assert keys.claim("roc-a", "app", "k1", "f1").kind is ClaimKind.REPLAY


def test_concurrent_claims_of_one_key_let_exactly_one_execute(engine: Engine) -> None:
    keys = IdempotencyStore(engine)
    workers = 16
    start = threading.Barrier(workers)

    def claim(_: int) -> ClaimKind:
        start.wait()
        return keys.claim("roc-a", "app", "same", "f1").kind

    with ThreadPoolExecutor(workers) as pool:
        kinds = list(pool.map(claim, range(workers)))
    assert kinds.count(ClaimKind.EXECUTE) == 1
    assert kinds.count(ClaimKind.IN_PROGRESS) == workers - 1


def test_waiting_repeats_get_the_response_once_the_first_completes(engine: Engine) -> None:
    keys = IdempotencyStore(engine)
    assert keys.claim("roc-a", "app", "k1", "f1").kind is ClaimKind.EXECUTE
    waiting = 6
    ready = threading.Barrier(waiting + 1)

    def repeat(_: int) -> tuple[ClaimKind, StoredResponse | None]:
        ready.wait()
        claim = keys.await_outcome("roc-a", "app", "k1", "f1", timeout=60, poll=0.01)
        return claim.kind, claim.response

    with ThreadPoolExecutor(waiting) as pool:
        futures = [pool.submit(repeat, n) for n in range(waiting)]
        ready.wait()  # every repeat is about to claim while the first still runs
        keys.complete("roc-a", "app", "k1", RESPONSE)
        outcomes = [f.result() for f in futures]
    assert outcomes == [(ClaimKind.REPLAY, RESPONSE)] * waiting


def test_waiting_gives_up_as_in_progress_after_the_timeout(engine: Engine) -> None:
    keys = IdempotencyStore(engine)
    keys.claim("roc-a", "app", "k1", "f1")
    claim = keys.await_outcome("roc-a", "app", "k1", "f1", timeout=0, poll=0.01)
    assert claim.kind is ClaimKind.IN_PROGRESS
