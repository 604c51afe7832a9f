"""The queue of SQLite writers in :mod:`gateway.store.engine`: first come, first served.

SQLite's busy handler lets a late writer take the lock before one that has waited for
seconds; the engine's own queue must hand the lock over in arrival order instead.
"""

from __future__ import annotations

import threading
import time

import pytest

from gateway.store.engine import _FifoLock


def _queued(lock: _FifoLock, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(lock._waiters) < count:
        assert time.monotonic() < deadline, "the waiters never queued"
        time.sleep(0.001)


def test_the_lock_goes_to_the_waiters_in_arrival_order() -> None:
    lock = _FifoLock()
    lock.acquire()
    order: list[int] = []

    def writer(number: int) -> None:
        lock.acquire()
        order.append(number)
        lock.release()

    threads = []
    for number in range(8):
        thread = threading.Thread(target=writer, args=(number,))
        thread.start()
        _queued(lock, number + 1)  # each one queues before the next arrives
        threads.append(thread)
    lock.release()
    for thread in threads:
        thread.join(timeout=10)
    assert order == list(range(8))
    lock.acquire()  # free again: taken at once
    lock.release()


def test_a_free_lock_is_taken_without_queueing() -> None:
    lock = _FifoLock()
    lock.acquire()
    assert not lock._waiters
    lock.release()
    lock.acquire()
    lock.release()
    assert not lock._waiters


def test_taking_the_lock_twice_in_one_thread_is_refused_not_a_hang() -> None:
    lock = _FifoLock()
    lock.acquire()
    with pytest.raises(RuntimeError, match="inside another"):
        lock.acquire()
    lock.release()
    lock.acquire()  # the refusal left it usable
    lock.release()
