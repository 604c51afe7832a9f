"""Pull persons and enrolments from the simulated SIS over real loopback HTTP.

Into SQLite and PostgreSQL (the ``engine`` fixture). The SIS runs in uvicorn behind OAuth2
client credentials; the gateway's client pages through it and validates every item
against the official OOAPI v5 schema. Expected results come from the simulator's own
school (its documents before and after a change), not from the gateway's mapping.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine

from gateway.adapters.standards import Standards
from gateway.bootstrap import Gateway, bootstrap
from gateway.domain import Application, SourceRef
from gateway.domain.ids import entity_id
from gateway.errors import RetriableUpstreamError
from gateway.mappings.ooapi_v5_mbo_in import canonical_id
from gateway.settings import Settings
from gateway.store.persons import PersonStore
from gateway.store.quarantine import Quarantine
from gateway.store.sync_state import SyncStateStore
from gateway.sync.ooapi_enrolment import EnrolmentSyncReport, run_enrolment_sync, state_key
from gateway.sync.scheduler import run_sync
from gateway.sync.source_resources import run_source_sync
from simulators.ooapi_sis.population import PROGRAMME, SisSchool
from tests.integration.sis_school import SchoolSis, serving_school

TENANT, SOURCE = "roc-a", "sis"
STUDENTS = 150


@pytest.fixture
def sis(standards: Standards) -> Iterator[SchoolSis]:
    with serving_school(standards, students=STUDENTS) as served:
        yield served


def gateway_for(engine: Engine, sis: SchoolSis, standards: Standards,
                **source: Any) -> Gateway:
    settings = Settings(
        token_secret=secrets.token_hex(32), standards_dir=standards.root,
        tenants=[{"id": TENANT, "name": "ROC A"}],
        sources=[{"tenant": TENANT, "name": SOURCE, "base_url": sis.url,
                  "token_url": f"{sis.url}/oauth/token", "client_id": sis.client_id,
                  "client_secret": sis.secret, "page_size": 50, **source}],
    )
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    gw = bootstrap(settings, engine=engine, clock=lambda: now)
    return gw


@pytest.fixture
def gateway(engine: Engine, sis: SchoolSis, standards: Standards) -> Iterator[Gateway]:
    gw = gateway_for(engine, sis, standards)
    run_sync(gw, TENANT, SOURCE, full=True)  # the catalogue the associations refer to
    yield gw
    gw.close()


def tick(gateway: Gateway, hours: int = 1) -> None:
    now = gateway.clock() + timedelta(hours=hours)
    gateway.clock = lambda: now
    gateway.store.clock = lambda: now


def events_since(gateway: Gateway, cursor: int) -> list[Any]:
    return gateway.event_log.read(TENANT, after=cursor, limit=100_000).events


def population(school: SisSchool) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Persons and associations (with person and offering ids) as the SIS serves them now."""
    with school.lock:
        persons = {d["personId"]: d for d in (school.person_of(n)
                                               for n in range(school.persons))}
        associations = {str(doc["associationId"]): {**doc, "person": p, "offering": o}
                        for n in range(school.persons)
                        for doc, p, o in school.associations_of_person(school.person_id(n))}
    return persons, associations


def canonical(kind: str, ident: str) -> str:
    return str(canonical_id(TENANT, kind, ident))


def association_kind(doc: dict[str, Any]) -> str:
    return "enrolment" if doc["associationType"] == "programOfferingAssociation" \
        else "participation"


def test_full_pull_then_nothing_then_exactly_the_changes(
    gateway: Gateway, sis: SchoolSis, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    persons, associations = population(sis.school)
    programme = sum(association_kind(a) == "enrolment" for a in associations.values())
    cursor = gateway.event_log.head(TENANT)

    first = run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    assert (first.mode, first.quarantined, first.deleted, first.offerings_unknown) == (
        "full", 0, 0, 0)
    assert first.fetched == len(persons) + len(associations)
    assert (first.persons_created, first.created) == (len(persons), len(associations))
    events = events_since(gateway, cursor)
    assert Counter(e.type for e in events) == {
        "nl.mbo.person.person.upserted.v1": len(persons),
        "nl.mbo.enrolment.enrolment.upserted.v1": programme,
        "nl.mbo.enrolment.participation.upserted.v1": len(associations) - programme,
    }
    assert first.events == len(events)

    # personal data is in the store, and in no event and no log line
    someone = next(d for d in persons.values() if d.get("surnamePrefix"))
    data = PersonStore(gateway.store).get_personal_data(TENANT, UUID(canonical(
        "person", someone["personId"])))
    assert (data.given_name, data.family_name_prefix, data.family_name, str(data.email)) == (
        someone["givenName"], someone["surnamePrefix"], someone["surname"], someone["mail"])
    published = json.dumps([e.data for e in events]) + caplog.text
    for doc in persons.values():
        for secret in (doc["mail"], doc["displayName"], doc["address"]["street"] + " "
                       + doc["address"]["streetNumber"], doc["dateOfBirth"]):
            assert secret not in published

    cursor = gateway.event_log.head(TENANT)
    tick(gateway)
    again = run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    assert (again.events, again.created, again.changed, again.deleted) == (0, 0, 0, 0)
    assert (again.persons_unchanged, again.unchanged) == (len(persons), len(associations))
    assert events_since(gateway, cursor) == []

    # the school changes: persons move, one application accepted, a student leaves
    pending = [i for i, a in associations.items() if a["state"] == "pending"
               and a["associationType"] == "programOfferingAssociation"]
    leaving = next(i for i, a in associations.items() if a["state"] == "associated"
                   and sis.school.association_number(i) % 4 == PROGRAMME)  # type: ignore[operator]
    sis.mutate(persons=6, accept=pending[0], cancel=leaving)
    after_persons, after_associations = population(sis.school)
    changed_persons = {i for i, d in after_persons.items() if persons[i] != d}
    changed_associations = {i for i, d in after_associations.items() if associations[i] != d}
    assert changed_associations == {pending[0], leaving}
    assert associations[leaving]["person"] in changed_persons  # no longer actively enrolled
    tick(gateway)
    incremental = run_enrolment_sync(gateway, TENANT, SOURCE, full=False)
    assert (incremental.mode, incremental.since) == ("incremental", "2026-03-01")
    assert (incremental.quarantined, incremental.deleted) == (0, 0)
    events = events_since(gateway, cursor)
    assert {e.subject for e in events} == (
        {canonical("person", i) for i in changed_persons}
        | {canonical("enrolment", i) for i in changed_associations})
    states = {e.subject: e.data["entity"]["state"] for e in events
              if e.type == "nl.mbo.enrolment.enrolment.upserted.v1"}
    assert states == {canonical("enrolment", pending[0]): "enrolled",
                      canonical("enrolment", leaving): "ended"}
    assert incremental.events == len(events)


def test_a_transition_the_machine_refuses_is_quarantined_and_the_state_stays(
    gateway: Gateway, sis: SchoolSis,
) -> None:
    run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    _, associations = population(sis.school)
    application = next(i for i, a in associations.items() if a["state"] == "pending"
                       and a["associationType"] == "programOfferingAssociation")
    stored = gateway.store.get(TENANT, UUID(canonical("enrolment", application)))
    sis.mutate(accept=application)
    tick(gateway)
    run_enrolment_sync(gateway, TENANT, SOURCE, full=False)
    enrolled = gateway.store.get(TENANT, UUID(canonical("enrolment", application)))
    # pending is in review (no longer "accepted": the SIS may still deny it)
    assert (stored.state["state"], enrolled.state["state"]) == ("in_review", "enrolled")

    with sis.school.lock:  # the SIS puts an enrolled student back in the queue
        n, slot = divmod(sis.school.association_number(application), 4)  # type: ignore[operator]
        sis.school.slot_state[slot][n] = 4  # queued
        sis.school.version += 1
    cursor = gateway.event_log.head(TENANT)
    tick(gateway)
    report = run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    assert (report.quarantined, report.deleted) == (1, 0)
    assert events_since(gateway, cursor) == []
    [kept] = Quarantine(gateway.engine).list(TENANT)
    assert (kept.kind, kept.path, kept.source) == ("Association", "/state", SOURCE)
    assert "not allowed" in kept.reason and json.loads(kept.raw)["associationId"] == application
    assert gateway.store.get(TENANT, UUID(canonical("enrolment", application))).version == \
        enrolled.version


def test_the_sis_denying_a_pending_application_is_a_rejection(
    gateway: Gateway, sis: SchoolSis,
) -> None:
    run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    _, associations = population(sis.school)
    application = next(i for i, a in associations.items() if a["state"] == "pending"
                       and a["associationType"] == "programOfferingAssociation")
    ident = UUID(canonical("enrolment", application))
    assert gateway.store.get(TENANT, ident).state["state"] == "in_review"
    sis.mutate(reject=application)
    cursor = gateway.event_log.head(TENANT)
    tick(gateway)
    report = run_enrolment_sync(gateway, TENANT, SOURCE, full=False)
    # pending -> denied was quarantined while pending read as "accepted"
    assert (report.quarantined, report.changed) == (0, 1)
    assert Quarantine(gateway.engine).list(TENANT) == []
    [event] = events_since(gateway, cursor)
    assert (event.subject, event.data["entity"]["state"], event.data["changedFields"]) == (
        str(ident), "rejected", ["state"])


def test_a_broken_person_is_quarantined_with_its_payload_and_the_rest_goes_on(
    gateway: Gateway, sis: SchoolSis, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    persons, associations = population(sis.school)
    broken = sorted(persons)[7]
    names = (persons[broken]["givenName"], persons[broken]["mail"])

    def break_one(path: str, doc: dict[str, Any]) -> None:
        for item in doc.get("items", []) if path == "/persons" else []:
            if item["personId"] == broken:
                item["mail"] = 42
                del item["surname"]

    sis.change = break_one
    report = run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    assert report.quarantined == 1
    assert report.persons_created == len(persons) - 1
    assert report.created == len(associations)  # its enrolments are not lost
    [kept] = Quarantine(gateway.engine).list(TENANT)
    assert kept.kind == "Person"
    assert kept.path.startswith("ooapi-v5/ooapi.json#/components/schemas/PersonProperties")
    assert "/mail" in kept.reason and "surname" in kept.reason
    assert json.loads(kept.raw)["personId"] == broken  # the raw payload, for the operator
    assert all(name not in kept.reason for name in names)
    assert all(name not in caplog.text for name in names)

    tick(gateway)
    again = run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    assert again.quarantined == 1 and len(Quarantine(gateway.engine).list(TENANT)) == 1
    sis.change = lambda path, doc: None
    tick(gateway)
    fixed = run_enrolment_sync(gateway, TENANT, SOURCE, full=False)
    assert (fixed.quarantined, fixed.persons_created) == (0, 1)


def test_a_full_pull_deletes_what_the_sis_no_longer_lists_and_spares_the_broken(
    gateway: Gateway, sis: SchoolSis,
) -> None:
    run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    _, associations = population(sis.school)
    gone, broken = sorted(associations)[3], sorted(associations)[4]

    def edit(path: str, doc: dict[str, Any]) -> None:
        if path.endswith("/associations") and path.startswith("/offerings/"):
            doc["items"] = [i for i in doc["items"] if i["associationId"] != gone]
            for item in doc["items"]:
                if item["associationId"] == broken:
                    item["state"] = "bogus"

    sis.change = edit
    cursor = gateway.event_log.head(TENANT)
    tick(gateway)
    incremental = run_enrolment_sync(gateway, TENANT, SOURCE, full=False)
    assert (incremental.deleted, incremental.quarantined, incremental.events) == (0, 1, 0)
    tick(gateway)
    full = run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    assert (full.deleted, full.quarantined) == (1, 1)
    [event] = events_since(gateway, cursor)
    kind = association_kind(associations[gone])
    assert (event.type, event.subject) == (f"nl.mbo.enrolment.{kind}.deleted.v1",
                                           canonical(kind, gone))
    spared = canonical(association_kind(associations[broken]), broken)
    assert not gateway.store.get(TENANT, UUID(spared)).deleted


def test_associations_wait_for_the_catalogue_and_failures_move_nothing(
    engine: Engine, sis: SchoolSis, standards: Standards,
) -> None:
    gateway = gateway_for(engine, sis, standards)
    try:
        persons, associations = population(sis.school)
        early = run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
        assert (early.persons_created, early.created) == (len(persons), 0)
        assert early.offerings_unknown == len(sis.catalogue.offerings)
        states = SyncStateStore(gateway.engine)
        recorded = states.get(TENANT, state_key(SOURCE))
        assert recorded is not None

        run_sync(gateway, TENANT, SOURCE, full=True)
        sis.refuse = lambda path: 503 if path.endswith("/associations") else None
        tick(gateway)
        with pytest.raises(RetriableUpstreamError):
            run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
        assert states.get(TENANT, state_key(SOURCE)) == recorded
        sis.refuse = lambda path: None
        late = run_enrolment_sync(gateway, TENANT, SOURCE, full=False)
        assert (late.created, late.offerings_unknown) == (len(associations), 0)
    finally:
        gateway.close()


def test_a_source_sync_runs_each_resource_and_one_failing_stops_no_other(
    engine: Engine, sis: SchoolSis, standards: Standards,
) -> None:
    gateway = gateway_for(engine, sis, standards, resources=["enrolment", "catalogue"])
    try:
        _, associations = population(sis.school)
        report = run_source_sync(gateway, TENANT, SOURCE, full=True)
        assert [o.resource for o in report.outcomes] == ["catalogue", "enrolment"]
        assert report.failed == []
        enrolment = report.report("enrolment")
        assert isinstance(enrolment, EnrolmentSyncReport)
        assert (enrolment.created, enrolment.offerings_unknown) == (len(associations), 0)
        assert report.lines()[1] == enrolment.line()

        sis.refuse = lambda path: 503 if path.startswith("/persons") else None
        tick(gateway)
        broken = run_source_sync(gateway, TENANT, SOURCE, full=False)
        assert broken.failed == ["enrolment"]
        assert broken.report("catalogue") is not None  # ran, and before the failure
        assert broken.lines()[1].startswith(
            f"{TENANT}/{SOURCE} enrolment: failed: RetriableUpstreamError")
    finally:
        gateway.close()


def test_an_application_forwarded_to_the_sis_comes_back_with_its_decisions(
    gateway: Gateway, sis: SchoolSis,
) -> None:
    person_number = next(n for n in range(STUDENTS)
                         if sis.school.slot_offering[PROGRAMME][n] >= 0)
    person = sis.school.person_id(person_number)
    cohort = sis.school.upcoming[0]
    application = Application.create(
        tenant=TENANT, source=SourceRef(system="intake", id="key-1"),
        person_id=canonical_id(TENANT, "person", person),
        cohort_id=entity_id(TENANT, SOURCE, "cohort", cohort), submitted_on=date(2026, 2, 1))
    gateway.store.upsert([application])
    with sis.client() as client:  # what the gateway's forwarding PUTs
        reply = client.put(f"/associations/{application.id}", json={
            "associationId": str(application.id), "associationType":
            "programOfferingAssociation", "role": "student", "state": "pending",
            "remoteState": "pending", "person": person, "offering": cohort})
    assert reply.status_code == 201, reply.text

    first = run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    assert (first.applications_changed, first.applications_refused) == (1, 0)
    enrolment = gateway.store.get(TENANT, UUID(canonical("enrolment", str(application.id))))
    assert enrolment.state["application_id"] == str(application.id)
    assert (enrolment.state["state"], enrolment.state["person_id"]) == (
        "in_review", canonical("person", person))  # pending: undecided (was "accepted")
    assert enrolment.state["cohort_id"] == str(entity_id(TENANT, SOURCE, "cohort", cohort))
    assert gateway.store.get(TENANT, application.id).state["state"] == "in_review"

    sis.mutate(accept=str(application.id))
    cursor = gateway.event_log.head(TENANT)
    tick(gateway)
    run_enrolment_sync(gateway, TENANT, SOURCE, full=False)
    events = {e.subject: e for e in events_since(gateway, cursor)}
    assert set(events) == {str(application.id), canonical("enrolment", str(application.id))}
    decided = events[str(application.id)]
    assert (decided.type, decided.data["entity"]["state"]) == (
        "nl.mbo.enrolment.application.upserted.v1", "accepted")
    enrolled = events[canonical("enrolment", str(application.id))]
    assert (enrolled.data["entity"]["state"], enrolled.data["changedFields"]) == (
        "enrolled", ["state"])


def test_per_person_reads_give_what_per_offering_reads_give(
    tmp_path: Any, sis: SchoolSis, standards: Standards,
) -> None:
    from gateway.store.engine import make_engine
    from gateway.store.migrate import upgrade

    stored: list[dict[str, list[Any]]] = []
    for by in ("offering", "person"):
        engine = make_engine(f"sqlite:///{tmp_path}/{by}.db")
        upgrade(engine)
        gateway = gateway_for(engine, sis, standards)
        try:
            run_sync(gateway, TENANT, SOURCE, full=True)
            report = run_enrolment_sync(gateway, TENANT, SOURCE, full=True,
                                        associations_by=by)  # type: ignore[arg-type]
            assert report.quarantined == 0 and report.associations_by == by
            stored.append({kind: sorted((e.state for e in gateway.store.list(TENANT, kind)),
                                        key=lambda s: str(s["id"]))
                           for kind in ("person", "enrolment", "participation")})
        finally:
            gateway.close()
            engine.dispose()
    assert stored[0] == stored[1]
    assert len(stored[0]["enrolment"]) > STUDENTS * 0.9


def test_what_another_path_changed_is_pulled_again_though_the_sis_did_not_change(
    gateway: Gateway, sis: SchoolSis,
) -> None:
    from gateway.domain import PersonalData

    run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    persons_store = PersonStore(gateway.store)
    ident = UUID(canonical("person", sis.school.person_id(2)))
    pushed = persons_store.get(TENANT, ident)
    persons_store.upsert(pushed, PersonalData(given_name="Iemand", family_name="Anders"))
    assert persons_store.get_personal_data(TENANT, ident).family_name == "Anders"
    cursor = gateway.event_log.head(TENANT)
    tick(gateway)
    again = run_enrolment_sync(gateway, TENANT, SOURCE, full=False)
    assert (again.persons_changed, again.persons_unchanged) == (1, sis.school.persons - 1)
    assert [e.subject for e in events_since(gateway, cursor)] == [str(ident)]
    assert persons_store.get_personal_data(TENANT, ident).family_name == \
        sis.school.person_of(2)["surname"]


def test_a_fixed_person_closes_its_quarantine_row_on_a_complete_full_run_only(
    gateway: Gateway, sis: SchoolSis,
) -> None:
    quarantine = Quarantine(gateway.engine)
    persons, _ = population(sis.school)
    broken = sorted(persons)[11]

    def break_one(path: str, doc: dict[str, Any]) -> None:
        for item in doc.get("items", []) if path == "/persons" else []:
            if item["personId"] == broken:
                item["mail"] = 42

    sis.change = break_one
    assert run_enrolment_sync(gateway, TENANT, SOURCE, full=True).quarantined == 1
    (held,) = quarantine.list(TENANT)
    # the source's catalogue and rostering pulls keep their own rows under its name
    others = {quarantine.put(tenant=TENANT, source=SOURCE, kind=kind, reason="r", raw="{}")
              for kind in ("ProgramOffering", "OfferingAssociation")}

    sis.change = lambda path, doc: None  # the school fixed the person
    tick(gateway)
    incremental = run_enrolment_sync(gateway, TENANT, SOURCE, full=False)
    assert (incremental.persons_created, incremental.quarantine_resolved) == (1, 0)
    assert {r.id for r in quarantine.list(TENANT)} == {held.id, *others}

    sis.refuse = lambda path: 503 if path.endswith("/associations") else None
    tick(gateway)
    with pytest.raises(RetriableUpstreamError):
        run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    assert {r.id for r in quarantine.list(TENANT)} == {held.id, *others}

    sis.refuse = lambda path: None
    tick(gateway)
    report = run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    assert (report.quarantined, report.quarantine_resolved) == (0, 1)
    assert "quarantine resolved 1" in report.line()
    assert report.as_dict()["quarantine_resolved"] == 1
    gateway.store.get(TENANT, UUID(canonical("person", broken)))  # stored
    assert {r.id for r in quarantine.list(TENANT)} == others
    handled = {r.id for r in quarantine.list(TENANT, include_replayed=True)
               if r.replayed_at is not None}
    assert handled == {held.id}


def test_a_full_run_that_did_not_read_every_offering_closes_no_association(
    gateway: Gateway, sis: SchoolSis,
) -> None:
    quarantine = Quarantine(gateway.engine)
    waiting = quarantine.put(tenant=TENANT, source=SOURCE, kind="Association", reason="r",
                             raw="{}")
    closed = quarantine.put(tenant=TENANT, source=SOURCE, kind="Person", reason="r",
                            raw="{}")
    with sis.school.lock:  # an offering the gateway's catalogue does not hold yet
        sis.catalogue.offerings["c0ffee00-0000-4000-8000-000000000001"] = {
            **next(iter(sis.catalogue.offerings.values())),
            "offeringId": "c0ffee00-0000-4000-8000-000000000001"}
    report = run_enrolment_sync(gateway, TENANT, SOURCE, full=True)
    assert (report.offerings_unknown, report.quarantine_resolved) == (1, 1)
    assert [r.id for r in quarantine.list(TENANT)] == [waiting]
    assert closed not in {r.id for r in quarantine.list(TENANT)}
