"""Database engines: SQLite for the embedded default, PostgreSQL in production."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, create_engine, event

__all__ = ["WRITE_LOCKED", "holds_write_lock", "make_engine", "write_transaction"]


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An engine with the right settings per dialect.

    ``hide_parameters``: a database error never carries bound values (personal data)
    into its message or a logged traceback.

    SQLite gets WAL (readers never block the writer), a busy timeout (several processes,
    e.g. ``gateway events tail`` beside ``gateway serve``) and foreign keys on.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # No server-side prepared statements: after five runs psycopg would prepare the
    # store's lookups, and PostgreSQL's generic plan for them (chosen before the table has
    # statistics, e.g. during a first full load) scans a tenant's rows instead of the key.
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
        connect_args={"prepare_threshold": None}, hide_parameters=True,
    )


class _FifoLock:
    """A lock that hands itself to the longest waiting thread (``threading.Lock`` does not
    promise any order), so that no writer waits while later arrivals overtake it."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False
        self._owner: int | None = None

    def acquire(self) -> None:
        """Wait for the lock in arrival order.

        Raises:
            RuntimeError: this thread holds it already (it would wait for itself forever).
        """
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                raise RuntimeError("a write transaction inside another on the same database")
            if not self._held:
                self._held, self._owner = True, me
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by the holder that hands the lock over
        with self._mutex:
            self._owner = me

    def release(self) -> None:
        with self._mutex:
            self._owner = None
            if self._waiters:
                self._waiters.popleft().release()  # still held: now by that waiter
            else:
                self._held = False


#: ``Connection.info`` key: the transaction holds SQLite's write lock since its start.
WRITE_LOCKED = "gateway.write_locked"

_WRITERS: WeakKeyDictionary[Any, _FifoLock] = WeakKeyDictionary()
_WRITERS_MUTEX = threading.Lock()


def _writer_lock(engine: Engine) -> _FifoLock:
    with _WRITERS_MUTEX:
        lock = _WRITERS.get(engine.pool)
        if lock is None:
            lock = _WRITERS[engine.pool] = _FifoLock()
        return lock


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the database's write lock from its start, for a write that
    reads the rows it then changes (it sees every write committed before it).

    SQLite has one write lock per database. A transaction that reads first and writes later
    fails its first write when another writer committed in between, and SQLite's busy
    handler makes writers poll the lock with sleeps of up to 100 ms, so under a burst of
    concurrent writers late arrivals overtake waiting ones (seconds at the p99). Here the
    writers of this process queue in arrival order on a lock of their own, then take
    SQLite's with ``BEGIN IMMEDIATE`` (other processes: the busy timeout). PostgreSQL
    locks rows: a plain transaction (callers lock what they read with ``FOR UPDATE``).

    Not reentrant: one inside another on the same engine raises ``RuntimeError`` (SQLite
    could not give the inner one the write lock either).

    Example::

        with write_transaction(engine) as conn:
            row = conn.execute(select(...)).first()
            conn.execute(update(...))
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    lock = _writer_lock(engine)
    lock.acquire()
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.info[WRITE_LOCKED] = True
            try:
                yield conn
            finally:
                conn.info.pop(WRITE_LOCKED, None)  # the info outlives the checkout
    finally:
        lock.release()


def holds_write_lock(conn: Connection) -> bool:
    """Whether ``conn`` is a SQLite :func:`write_transaction` (it holds the write lock)."""
    return bool(conn.info.get(WRITE_LOCKED))
