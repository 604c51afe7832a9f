"""The commit horizon: the outbox ``seq`` up to which no row can still appear.

Why: every cursor reader of the event log (RIO delivery, intake forwarding, the timetable
projection, ``GET /events`` and its stream, ``gateway events tail``) remembers the highest
``seq`` it consumed and next asks for ``seq > cursor``. That loses a row whenever rows
become visible out of ``seq`` order, and the bar is "nothing lost".

SQLite: ``seq`` is the rowid, chosen as ``max(rowid) + 1`` while the inserting transaction
holds the database's single write lock (RESERVED, also in WAL mode), which it keeps until
it commits or rolls back. So ids are handed out and committed in the same order and every
reader's snapshot is a prefix of the log: no horizon is needed (:meth:`CommitHorizon.safe`
returns None). ``tests/integration/test_commit_horizon.py`` shows the second writer waiting.

PostgreSQL: ``seq`` comes from a sequence, handed out at insert time and not rolled back,
while the row becomes visible when its transaction commits. T1 takes 10, T2 takes 11 and
commits, a reader consumes 11, then T1 commits 10 behind the reader's cursor.

Design: readers consume only rows with ``seq <= horizon``, where every ``seq`` up to the
horizon is final: committed and visible, or never to be (rolled back). A checkpoint is
taken in two steps: (1) ``L``, the sequence's last value; then (2) ``W``, the transactions
holding or awaiting ROW EXCLUSIVE on the outbox table (``pg_locks``). ``L`` becomes the
horizon at the first later observation that holds none of ``W`` (at once if ``W`` is empty).

Proof: an ``INSERT INTO outbox`` takes ROW EXCLUSIVE on the table while the statement is
analysed (or, for a cached plan, before it runs), so before its ``DEFAULT nextval`` is
evaluated, and keeps it until its transaction ends (commit or rollback; locks are released
after the commit is visible). The lock manager records that mode even when the transaction
holds a stronger one. The sequence hands out values one by one (``CACHE 1``, checked: a
backend's cache would hand out values below ``L`` after step 1), so any ``seq <= L`` was
handed out before step 1, and its transaction held the lock before step 2: it is in ``W``
or already over. A later observation that no longer sees any of ``W`` (a virtual
transaction id names one transaction and is not reused soon) means all of them are over,
so every ``seq <= L`` is final, and a query started afterwards sees all the committed
ones. Observations are serialised per engine so that "later" holds. A rolled-back
transaction ends like any other: it does not block readers. The horizon is a fact about
the database, so cursors from one process are sound in another. Only code that calls
``nextval`` on the outbox sequence without inserting into the outbox could break the
premise; nothing does.

Rejected: (a) an ``xid8`` column read below ``pg_snapshot_xmin`` needs a migration and
is unsound with a ``seq`` cursor, since xids and seqs are assigned in different orders
(T2 may hold the older xid and the newer seq); it would need an ``(xid, seq)`` cursor in
every API. (b) Gap-aware cursors with a grace period either lose a transaction slower than
the grace period or must remember gaps per cursor, which a client's ``after=`` cannot.
(c) Serialising outbox writers with a lock would make ids commit in order at the cost of
all write concurrency.

Cost: one sequence read and one ``pg_locks`` read per log read. A long write transaction
(any tenant's, or the relay's brief marking update) holds back every tenant's readers until
it ends: delayed, never lost. Vacuum and readers take other modes and hold nothing back.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from gateway.errors import ConfigurationError
from gateway.store.tables import outbox

__all__ = ["CommitHorizon"]

_SEQUENCE = text("SELECT pg_get_serial_sequence(:table, 'seq')")
_LAST_VALUE = text("SELECT pg_sequence_last_value(CAST(:sequence AS regclass))")
_CACHE = text("SELECT seqcache FROM pg_sequence WHERE seqrelid = CAST(:sequence AS regclass)")
_WRITERS = text(
    "SELECT DISTINCT virtualtransaction FROM pg_locks"
    " WHERE locktype = 'relation' AND relation = CAST(:table AS regclass)"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND mode = 'RowExclusiveLock'"
)

_BY_ENGINE: weakref.WeakKeyDictionary[Engine, CommitHorizon] = weakref.WeakKeyDictionary()
_BY_ENGINE_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Checkpoint:
    seq: int
    writers: frozenset[str]


class CommitHorizon:
    """Tracks the horizon of one engine's outbox; share it through :meth:`of`.

    Example::

        horizon = CommitHorizon.of(engine)
        with engine.connect() as conn:
            safe = horizon.safe(conn)   # None: no bound (SQLite)
            conn.rollback()             # read the rows in a new transaction
            ...select rows with seq <= safe...
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._bounded = engine.dialect.name == "postgresql"
        self._lock = threading.Lock()
        self._safe = 0
        self._pending: _Checkpoint | None = None
        self._sequence: str | None = None

    @classmethod
    def of(cls, engine: Engine) -> CommitHorizon:
        """The engine's one tracker, so every reader in the process shares its progress."""
        with _BY_ENGINE_LOCK:
            horizon = _BY_ENGINE.get(engine)
            if horizon is None:
                horizon = _BY_ENGINE[engine] = cls(engine)
            return horizon

    def safe(self, conn: Connection) -> int | None:
        """The highest ``seq`` up to which the outbox is final; None when unbounded.

        Read rows in a transaction that starts after this call (``conn.rollback()``
        first), so that its snapshot sees every commit the check relied on.

        Args:
            conn: a connection of this tracker's engine, used for two small reads.

        Returns:
            The horizon (0 before the first one is proven), or None on SQLite.
        """
        if not self._bounded:
            return None
        with self._lock:  # observations must be ordered for "a later one" to hold
            last = self._last_value(conn)
            writers = frozenset(conn.execute(_WRITERS, {"table": outbox.name}).scalars())
            pending = self._pending
            if pending is not None and pending.writers.isdisjoint(writers):
                self._safe = max(self._safe, pending.seq)
                pending = self._pending = None
            if pending is None:
                if writers:
                    self._pending = _Checkpoint(last, writers)
                else:
                    self._safe = max(self._safe, last)
            return self._safe

    def _last_value(self, conn: Connection) -> int:
        if self._sequence is None:
            sequence = conn.execute(_SEQUENCE, {"table": outbox.name}).scalar()
            if sequence is None:  # a horizon stuck at 0 would hide every event
                raise ConfigurationError("the outbox's seq column has no sequence; migrate")
            if conn.execute(_CACHE, {"sequence": sequence}).scalar() != 1:
                raise ConfigurationError(
                    f"sequence {sequence} must have CACHE 1 for the event log's horizon")
            self._sequence = str(sequence)
        value = conn.execute(_LAST_VALUE, {"sequence": self._sequence}).scalar()
        return int(value or 0)  # NULL until the first nextval
