"""The sync's memo of raw records: an unchanged record is neither validated, mapped nor written.

Same set-up as ``test_ooapi_catalogue_sync`` (the simulated SIS over loopback HTTP, SQLite
and PostgreSQL); its fixtures are shared. Calls of the schema validator and of the mapping
are counted by wrappers around the real functions, so each test sees exactly which records
a run examined.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest

from gateway.adapters.ooapi.codec import OoapiSchemas
from gateway.bootstrap import Gateway
from gateway.errors import RetriableUpstreamError
from gateway.mappings import ooapi_v5_in
from gateway.store.quarantine import Quarantine
from gateway.store.record_digests import RecordDigestStore
from gateway.sync import catalogue_records as ooapi_catalogue
from gateway.sync.scheduler import run_sync
from tests.integration import test_ooapi_catalogue_sync as base
from tests.integration.test_ooapi_catalogue_sync import (
    COURSES,
    SOURCE,
    TENANT,
    Sis,
    events_since,
    tick,
    uid,
)

# the fixtures of the sync tests: the SIS, its URL and a gateway syncing from it
sis = base.sis
sis_url = base.sis_url
gateway = base.gateway


@dataclass
class Calls:
    """What the runs validated (schema name, id) and mapped (record kind, id)."""

    validated: Counter[tuple[str, str]] = field(default_factory=Counter)
    mapped: Counter[tuple[str, str]] = field(default_factory=Counter)

    def clear(self) -> None:
        self.validated.clear()
        self.mapped.clear()


def _ident(document: Any) -> str:
    if not isinstance(document, dict):
        return ""
    for key in ("offeringId", "programId", "courseId", "educationSpecificationId"):
        if key in document:
            return str(document[key])
    return ""


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    seen = Calls()
    validate = OoapiSchemas.validate
    to_canonical = ooapi_catalogue.to_canonical

    def counting_validate(self: OoapiSchemas, schema_name: str, document: Any) -> Any:
        seen.validated[(schema_name, _ident(document))] += 1
        return validate(self, schema_name, document)

    def counting_map(tenant: str, source: str, raw: dict[str, Any]) -> Any:
        kind = str(raw.get("kind"))
        seen.mapped[(kind, _ident(raw.get(kind)))] += 1
        return to_canonical(tenant, source, raw)

    monkeypatch.setattr(OoapiSchemas, "validate", counting_validate)
    monkeypatch.setattr(ooapi_catalogue, "to_canonical", counting_map)
    return seen


def _memo(gateway: Gateway) -> dict[str, Any]:
    return RecordDigestStore(gateway.engine).load(TENANT, SOURCE)


def _records(sis: Sis) -> int:
    catalogue = sis.catalogue
    return len(catalogue.education_specifications) + len(catalogue.programs) + COURSES


def _edit(path_is: Callable[[str], bool], key: str, ident: str,
          edit: Callable[[dict[str, Any]], None]) -> Callable[[str, dict[str, Any]], None]:
    """A ``Sis.change`` that edits the item ``key == ident`` of the lists at ``path_is``."""
    def change(path: str, doc: dict[str, Any]) -> None:
        if path_is(path):
            for item in doc.get("items", []):
                if item.get(key) == ident:
                    edit(item)
    return change


def _drop(path: str, key: str, ident: str) -> Callable[[str, dict[str, Any]], None]:
    def change(at: str, doc: dict[str, Any]) -> None:
        if at == path:
            doc["items"] = [i for i in doc.get("items", []) if i.get(key) != ident]
    return change


def _both(*changes: Callable[[str, dict[str, Any]], None]) -> Callable[[str, dict[str, Any]],
                                                                           None]:
    def change(path: str, doc: dict[str, Any]) -> None:
        for one in changes:
            one(path, doc)
    return change


def _a_program(sis: Sis) -> tuple[str, list[str]]:
    """A program and the ids of its offerings, as the SIS lists them."""
    pid = sorted(sis.catalogue.programs)[3]
    return pid, sorted(sis.catalogue.offerings_of_program[pid])


def _a_course(sis: Sis) -> str:
    return sorted(sis.catalogue.courses)[5]


def _rename(item: dict[str, Any]) -> None:
    item["name"] = [{"language": "nl-NL", "value": "Hernoemd"}]


# -- nothing changed ------------------------------------------------------------------------


def test_an_unchanged_sync_validates_maps_and_writes_nothing(
    gateway: Gateway, sis: Sis, calls: Calls
) -> None:
    first = run_sync(gateway, TENANT, SOURCE, full=True)
    assert sum(calls.validated.values()) == first.fetched
    assert sum(calls.mapped.values()) == _records(sis)
    assert len(_memo(gateway)) == _records(sis)
    cursor = gateway.event_log.head(TENANT)
    calls.clear()

    tick(gateway, 1)
    again = run_sync(gateway, TENANT, SOURCE, full=True)
    assert calls.validated == Counter() and calls.mapped == Counter()
    assert (again.created, again.changed, again.deleted, again.events) == (0, 0, 0, 0)
    assert again.unchanged == first.created
    assert again.fetched == first.fetched
    assert events_since(gateway, cursor) == []
    assert len(_memo(gateway)) == _records(sis)


def test_a_changed_record_alone_is_validated_mapped_and_written(
    gateway: Gateway, sis: Sis, calls: Calls
) -> None:
    run_sync(gateway, TENANT, SOURCE, full=True)
    memo = _memo(gateway)
    cursor = gateway.event_log.head(TENANT)
    course = _a_course(sis)
    pid, offerings = _a_program(sis)
    capacity = sis.catalogue.offerings[offerings[0]]["maxNumberStudents"]
    sis.change = _both(
        _edit(lambda p: p == "/courses", "courseId", course, _rename),
        _edit(lambda p: p.startswith("/programs/"), "offeringId", offerings[0],
              lambda item: item.update(maxNumberStudents=capacity + 1)))
    calls.clear()

    tick(gateway, 1)
    report = run_sync(gateway, TENANT, SOURCE, full=True)
    assert calls.validated == Counter({("Course", course): 1, ("Program", pid): 1,
                                       **{("ProgramOffering", o): 1 for o in offerings}})
    assert calls.mapped == Counter({("course", course): 1, ("program", pid): 1})
    events = events_since(gateway, cursor)
    assert {e.subject for e in events} == {uid("course", course), uid("cohort", offerings[0])}
    assert all(e.type.endswith(".upserted.v1") for e in events)
    assert (report.changed, report.created, report.events) == (2, 0, 2)
    after = _memo(gateway)
    changed = {k for k in memo if memo[k] != after[k]}
    assert changed == {f"course/{course}", f"program/{pid}"}


# -- what must not be skipped --------------------------------------------------------------


@pytest.mark.parametrize("broken", ["schema", "mapping"])
def test_a_quarantined_record_is_examined_again_every_run(
    gateway: Gateway, sis: Sis, calls: Calls, broken: str
) -> None:
    run_sync(gateway, TENANT, SOURCE, full=True)
    pid, offerings = _a_program(sis)
    if broken == "schema":
        bad = _edit(lambda p: p == "/programs", "programId", pid,
                    lambda item: item.update(modeOfStudy="sometimes"))
    else:  # valid OOAPI, but no crebo the mapping can use
        bad = _edit(lambda p: p == "/programs", "programId", pid,
                    lambda item: item.update(otherCodes=[{"codeType": "crohoCreboCode",
                                                          "code": "nope"}]))
    sis.change = bad
    for hour in (1, 2):
        calls.clear()
        tick(gateway, hour)
        report = run_sync(gateway, TENANT, SOURCE, full=True)
        assert report.quarantined == 1 and report.events == 0
        assert calls.validated[("Program", pid)] == 1
        assert sum(calls.mapped.values()) == (0 if broken == "schema" else 1)
        assert f"program/{pid}" not in _memo(gateway)
    assert len(Quarantine(gateway.engine).list(TENANT)) == 1
    gateway.store.get(TENANT, UUID(uid("cohort", offerings[0])))  # kept, not deleted

    sis.change = lambda path, doc: None  # repaired: examined once more, then remembered
    calls.clear()
    tick(gateway, 1)
    report = run_sync(gateway, TENANT, SOURCE, full=True)
    assert (report.quarantined, report.events) == (0, 0)
    assert calls.mapped == Counter({("program", pid): 1})
    assert f"program/{pid}" in _memo(gateway)


def test_an_entity_deleted_or_changed_behind_the_memos_back_is_restored(
    gateway: Gateway, sis: Sis, calls: Calls
) -> None:
    run_sync(gateway, TENANT, SOURCE, full=True)
    pid, offerings = _a_program(sis)
    cohort = UUID(uid("cohort", offerings[0]))
    gateway.store.delete(TENANT, [cohort])
    course = _a_course(sis)
    stored = gateway.store.get(TENANT, UUID(uid("course", course))).entity()
    gateway.store.upsert([stored.model_copy(update={"name": "Elders veranderd"})])
    cursor = gateway.event_log.head(TENANT)
    calls.clear()

    tick(gateway, 1)
    report = run_sync(gateway, TENANT, SOURCE, full=True)
    assert calls.mapped == Counter({("program", pid): 1, ("course", course): 1})
    assert {e.subject for e in events_since(gateway, cursor)} == {str(cohort),
                                                                  uid("course", course)}
    assert (report.changed, report.events) == (2, 2)
    restored = gateway.store.get(TENANT, cohort)
    assert not restored.deleted and restored.version == 3
    assert gateway.store.get(TENANT, UUID(uid("course", course))).state["name"] == \
        stored.name


def test_a_failed_run_keeps_the_previous_memo(gateway: Gateway, sis: Sis,
                                              calls: Calls) -> None:
    run_sync(gateway, TENANT, SOURCE, full=True)
    memo = _memo(gateway)
    pid, offerings = _a_program(sis)
    course = _a_course(sis)
    sis.change = _both(
        _edit(lambda p: p == "/programs", "programId", pid, _rename),
        _edit(lambda p: p == "/courses", "courseId", course, _rename))
    sis.refuse = lambda path: 503 if path == "/courses" else None  # after the programs
    tick(gateway, 1)
    with pytest.raises(RetriableUpstreamError):
        run_sync(gateway, TENANT, SOURCE, full=True)
    assert _memo(gateway) == memo
    where = base.location(sis.catalogue.offerings[offerings[0]])
    renamed = UUID(uid("programme-offering", f"{pid}/{where}"))
    assert gateway.store.get(TENANT, renamed).version == 2  # written before the failure
    assert calls.mapped[("program", pid)] == 2  # the first run and the failed one

    sis.refuse = lambda path: None
    cursor = gateway.event_log.head(TENANT)
    calls.clear()
    tick(gateway, 1)
    report = run_sync(gateway, TENANT, SOURCE, full=True)
    # the program's new state was written by the failed run; its memo row still held the
    # old one, so the store disagreed and the program was examined again: no new event
    assert calls.mapped == Counter({("program", pid): 1, ("course", course): 1})
    assert [e.subject for e in events_since(gateway, cursor)] == [uid("course", course)]
    assert report.events == 1
    assert {k for k, row in _memo(gateway).items() if memo[k] != row} == {
        f"program/{pid}", f"course/{course}"}


def test_a_full_sync_still_deletes_what_the_source_no_longer_lists(
    gateway: Gateway, sis: Sis, calls: Calls
) -> None:
    first = run_sync(gateway, TENANT, SOURCE, full=True)
    pid, offerings = _a_program(sis)
    course = _a_course(sis)
    assert f"program/{pid}" in _memo(gateway) and f"course/{course}" in _memo(gateway)
    sis.change = _both(_drop("/programs", "programId", pid), _drop("/courses", "courseId",
                                                                    course))
    tick(gateway, 1)
    assert run_sync(gateway, TENANT, SOURCE, full=False).deleted == 0  # incremental: never
    cursor = gateway.event_log.head(TENANT)
    calls.clear()

    tick(gateway, 1)
    report = run_sync(gateway, TENANT, SOURCE, full=True)
    assert calls.mapped == Counter()
    events = events_since(gateway, cursor)
    locations = {base.location(sis.catalogue.offerings[o]) for o in offerings}
    assert {e.subject for e in events} == (
        {uid("cohort", o) for o in offerings} | {uid("course", course)}
        | {uid("programme-offering", f"{pid}/{loc}") for loc in locations})
    assert all(e.type.endswith(".deleted.v1") for e in events)
    assert report.deleted == len(events) == report.events
    assert report.unchanged == first.created - len(events)
    memo = _memo(gateway)
    assert f"program/{pid}" not in memo and f"course/{course}" not in memo
    assert len(memo) == _records(sis) - 2


def test_a_new_mapping_version_maps_every_record_again(
    gateway: Gateway, sis: Sis, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_sync(gateway, TENANT, SOURCE, full=True)
    memo = _memo(gateway)
    monkeypatch.setattr(ooapi_v5_in, "MAPPING_VERSION", ooapi_v5_in.MAPPING_VERSION + 1)
    calls.clear()

    tick(gateway, 1)
    again = run_sync(gateway, TENANT, SOURCE, full=True)
    assert sum(calls.mapped.values()) == _records(sis)
    assert sum(calls.validated.values()) == first.fetched
    assert (again.events, again.unchanged) == (0, first.created)
    after = _memo(gateway)
    assert after.keys() == memo.keys()
    assert all(after[k].digest != memo[k].digest and after[k].entities == memo[k].entities
               for k in memo)



def test_an_incremental_run_remembers_courses_and_keeps_the_full_runs_programs(
    gateway: Gateway, sis: Sis, calls: Calls
) -> None:
    run_sync(gateway, TENANT, SOURCE, full=True)
    memo = _memo(gateway)
    course = _a_course(sis)
    pid, offerings = _a_program(sis)
    sis.change = _both(  # the incremental run sees only the first of the program's offerings
        _edit(lambda p: p == "/courses", "courseId", course, _rename),
        lambda path, doc: doc.update(items=doc["items"][:1]) if path.startswith(
            f"/programs/{pid}/") else None)
    calls.clear()
    tick(gateway, 1)
    report = run_sync(gateway, TENANT, SOURCE, full=False)
    assert report.mode == "incremental" and report.events == 1
    assert calls.mapped == Counter({("course", course): 1, ("program", pid): 1})
    after = _memo(gateway)
    assert {k for k in memo if after[k] != memo[k]} == {f"course/{course}"}

    sis.change = _edit(lambda p: p == "/courses", "courseId", course, _rename)
    calls.clear()
    tick(gateway, 1)
    report = run_sync(gateway, TENANT, SOURCE, full=True)  # the program's full row holds
    assert calls.mapped == Counter() and report.events == 0
