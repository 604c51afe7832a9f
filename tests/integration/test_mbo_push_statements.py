"""What one ``PUT /ooapi/v5-mbo/persons/{personId}`` (and an association's) costs the
database, on SQLite and PostgreSQL: one connection, one transaction, and no row read twice
(a row read and locked is handed to the entity store as ``known``, not read again).

A push burst of an SIS is thousands of these; each statement or transaction more is paid
on every one of them (and on SQLite inside the database's single write lock), so these
counts guard the push path against a regression that no functional test would notice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from gateway.adapters.standards import Standards
from tests.integration.mbo_profile_support import (
    DATABASES,
    Receiver,
    association_doc,
    new_id,
    offering_doc,
    person_doc,
    running_receiver,
)

_VERB = re.compile(r"^\s*(\w+)")


@pytest.fixture(scope="module", params=DATABASES)
def receiver(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             standards: Standards) -> Iterator[Receiver]:
    with running_receiver(request, tmp_path_factory, standards) as running:
        yield running


class Tally:
    """Statements (by verb), transactions and connection checkouts on an engine."""

    def __init__(self) -> None:
        self.verbs: Counter[str] = Counter()
        self.tables: Counter[str] = Counter()
        self.begins = 0
        self.checkouts = 0

    def statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        match = _VERB.match(statement)
        verb = match.group(1).upper() if match else "?"
        self.verbs[verb] += 1
        if verb in ("INSERT", "UPDATE", "DELETE"):
            target = re.search(r"(?:INTO|UPDATE|FROM)\s+(\w+)", statement, re.IGNORECASE)
            self.tables[target.group(1) if target else "?"] += 1

    def begin(self, _conn: Any) -> None:
        self.begins += 1

    def checkout(self, *_args: Any) -> None:
        self.checkouts += 1


def _tally(receiver: Receiver, method: str, path: str, body: Any) -> tuple[int, Tally]:
    engine = receiver.gateway.engine
    tally = Tally()
    event.listen(engine, "before_cursor_execute", tally.statement)
    event.listen(engine, "begin", tally.begin)
    event.listen(engine.pool, "checkout", tally.checkout)
    try:
        status = receiver.call(method, path, "sis", body).status_code
    finally:
        event.remove(engine, "before_cursor_execute", tally.statement)
        event.remove(engine, "begin", tally.begin)
        event.remove(engine.pool, "checkout", tally.checkout)
    return status, tally


def test_a_new_person_is_one_transaction_with_one_read(receiver: Receiver) -> None:
    pid = new_id()
    status, tally = _tally(receiver, "PUT", f"/persons/{pid}", person_doc(pid))
    assert status == 201
    assert (tally.checkouts, tally.begins) == (1, 1)
    # the person's entity and personal data in one read, handed on to the entity store
    assert tally.verbs["SELECT"] == 1
    assert dict(tally.tables) == {"entities": 1, "outbox": 1, "person_data": 1}
    assert tally.verbs["UPDATE"] == 0  # no statement only to take SQLite's write lock


def test_a_repeated_person_reads_and_writes_nothing(receiver: Receiver) -> None:
    pid = new_id()
    assert receiver.put(f"/persons/{pid}", person_doc(pid)).status_code == 201
    status, tally = _tally(receiver, "PUT", f"/persons/{pid}", person_doc(pid))
    assert status == 200
    assert (tally.checkouts, tally.begins) == (1, 1)
    assert tally.verbs["SELECT"] == 1
    assert not tally.tables


def test_changed_personal_data_updates_its_rows_once(receiver: Receiver) -> None:
    pid = new_id()
    assert receiver.put(f"/persons/{pid}", person_doc(pid)).status_code == 201
    status, tally = _tally(receiver, "PUT", f"/persons/{pid}",
                           person_doc(pid, family="Jansen"))
    assert status == 200
    assert (tally.checkouts, tally.begins) == (1, 1)
    assert tally.verbs["SELECT"] == 1  # not the entity's version nor its state again
    assert dict(tally.tables) == {"entities": 1, "outbox": 1, "person_data": 1}


def test_a_repeated_association_writes_no_row_not_even_to_lock(receiver: Receiver) -> None:
    pid, oid, aid = new_id(), new_id(), new_id()
    assert receiver.put(f"/persons/{pid}", person_doc(pid)).status_code == 201
    assert receiver.put(f"/offerings/{oid}", offering_doc(oid)).status_code == 201
    doc = association_doc(aid, pid, oid)
    assert receiver.put(f"/associations/{aid}", doc).status_code == 201
    status, tally = _tally(receiver, "PUT", f"/associations/{aid}", doc)
    assert status == 200
    assert (tally.checkouts, tally.begins) == (1, 1)
    assert not tally.tables  # SQLite's write lock comes with the transaction's BEGIN
    assert tally.verbs["SELECT"] == 6  # the association's locked row is not read twice
