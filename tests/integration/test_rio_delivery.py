"""Catalogue changes reach the simulated RIO: full state, dead letters, quarantine, diff.

Runs on SQLite and on a real PostgreSQL (the ``engine`` fixture), with the simulated RIO on
a loopback HTTP server; what RIO holds and how many requests it got is read from the
simulator's state.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest
from lxml import etree
from sqlalchemy import Engine

from gateway.adapters.rio.client import RioClient
from gateway.adapters.standards import Standards
from gateway.api.testing import settings_for_tests
from gateway.bootstrap import Gateway, bootstrap
from gateway.errors import NotFoundError
from gateway.events.publisher import InMemoryEventPublisher
from gateway.events.schemas import event_schemas
from gateway.events.types import DEADLETTER_TYPE
from gateway.store.quarantine import Quarantine
from gateway.store.rio_state import DeliveryStatus, RioDeliveryState
from gateway.sync.dlq_replay import NotReplayable, replay
from gateway.sync.rio_commands import deliver_to_rio, fetch_rio_diff, start_rio_delivery
from gateway.sync.rio_delivery import RioDelivery
from simulators.rio_service import FaultKind, SimulatedRio
from simulators.rio_service.rules import ONBEKENDE_OPLEIDINGSCODE
from tests import factories
from tests.integration.rio_testbed import NO_WAIT, TENANT, Pki, simulated_rio, target_for

AANLEVEREN = "aanleveren_aangebodenOpleiding"
VERWIJDEREN = "verwijderen_aangebodenOpleiding"
AANBIEDER = str(TENANT.onderwijsaanbiedercode)


@dataclass
class Bed:
    gateway: Gateway
    rio: SimulatedRio
    client: RioClient
    delivery: RioDelivery

    def held_cohorts(self, code: str) -> list[str]:
        element = self.rio.state.element(AANBIEDER, code)
        return sorted(c.findtext("{*}cohortcode") or "" for c in element.iterfind("{*}"
                      "aangebodenMboOpleidingCohort"))

    def deadletters(self) -> list[dict[str, Any]]:
        page = self.gateway.event_log.read(TENANT.id, types=(DEADLETTER_TYPE,))
        return [e.data for e in page.events]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki.create(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def bed(engine: Engine, standards: Standards, pki: Pki) -> Iterator[Bed]:
    with simulated_rio(standards, pki) as (rio, base_url):
        target = target_for(base_url, pki)
        settings = settings_for_tests(tenants=[TENANT], rio_targets=[target],
                                      standards_dir=standards.root)
        gateway = bootstrap(settings, engine=engine, publisher=InMemoryEventPublisher())
        with RioClient(target, TENANT, standards, wait=NO_WAIT) as client:
            yield Bed(gateway, rio, client, RioDelivery(gateway, TENANT, client,
                                                        standards=standards))


def _catalogue(**over: Any) -> tuple[Any, list[Any]]:
    offering = factories.offering(**over)
    cohorts = [factories.cohort(offering_id=offering.id),
               factories.cohort(ident="c2", offering_id=offering.id, code="2027-BOL")]
    return offering, cohorts


def test_an_offering_is_delivered_once_with_all_its_cohorts(bed: Bed) -> None:
    offering, cohorts = _catalogue()
    bed.gateway.store.upsert([offering, *cohorts])
    report = bed.delivery.run_until_idle()
    assert (report.events, report.delivered, report.rejected, report.failed) == (3, 1, 0, 0)
    assert bed.held_cohorts(str(offering.id)) == ["2026-BOL", "2027-BOL"]
    record = RioDeliveryState(bed.gateway.engine).offerings(TENANT.id)[offering.id]
    assert (record.status, record.held, record.cohort_codes) == (
        DeliveryStatus.DELIVERED, True, ("2026-BOL", "2027-BOL"))
    again = bed.delivery.run_until_idle()
    assert again.events == 0
    assert bed.rio.state.count(AANLEVEREN) == 1


def test_a_changed_offering_is_sent_with_its_full_cohort_set(bed: Bed) -> None:
    offering, cohorts = _catalogue()
    bed.gateway.store.upsert([offering, *cohorts])
    bed.delivery.run_until_idle()
    code = str(offering.id)
    element = bed.rio.state.element(AANBIEDER, code)  # RIO loses a cohort behind our back
    element.remove(next(element.iterfind("{*}aangebodenMboOpleidingCohort")))
    assert bed.held_cohorts(code) == ["2027-BOL"]

    bed.gateway.store.upsert([factories.offering(name="Software developer (new)")])
    report = bed.delivery.run_until_idle()
    assert (report.events, report.delivered) == (1, 1)  # one offering event, no cohort event
    assert bed.held_cohorts(code) == ["2026-BOL", "2027-BOL"]
    assert bed.rio.state.count(AANLEVEREN) == 2

    bed.gateway.store.delete(TENANT.id, [cohorts[1].id])
    assert bed.delivery.run_until_idle().delivered == 1
    assert bed.held_cohorts(code) == ["2026-BOL"]


def test_a_business_rejection_is_dead_lettered_and_quarantined_not_retried(bed: Bed) -> None:
    offering, cohorts = _catalogue(crebo="99999")
    bed.gateway.store.upsert([offering, *cohorts])
    report = bed.delivery.run_until_idle()
    assert (report.delivered, report.rejected) == (0, 1)
    assert bed.rio.state.count(AANLEVEREN) == 1

    [entry] = bed.deadletters()
    jsonschema.Draft202012Validator(event_schemas()[DEADLETTER_TYPE]).validate(entry)
    assert entry["target"] == "rio" and entry["code"] == "rio-rejected"
    assert entry["entityId"] == str(offering.id)
    assert [e["code"] for e in entry["errors"]] == [ONBEKENDE_OPLEIDINGSCODE]
    original = etree.fromstring(entry["original"].encode())  # noqa: S320 - our own message
    assert etree.QName(original).localname == "aanleveren_aangebodenOpleiding_request"
    assert original.findtext(".//{*}opleidingscode") == "99999"

    [row] = Quarantine(bed.gateway.engine).list(TENANT.id)
    assert (row.source, row.kind, row.path) == ("rio", "programme-offering", str(offering.id))
    assert ONBEKENDE_OPLEIDINGSCODE in row.reason and "99999" in row.reason
    assert row.raw == entry["original"]

    assert bed.delivery.run_until_idle().events == 0  # the cursor moved on: no resend
    assert bed.rio.state.count(AANLEVEREN) == 1


def test_exhausted_retries_are_dead_lettered(bed: Bed) -> None:
    offering, cohorts = _catalogue()
    bed.gateway.store.upsert([offering, *cohorts])
    bed.rio.state.inject(FaultKind.UNAVAILABLE, count=100)
    report = bed.delivery.run_until_idle()
    assert (report.delivered, report.failed) == (0, 1)
    assert bed.rio.state.count(AANLEVEREN) == bed.client.target.max_attempts
    [entry] = bed.deadletters()
    jsonschema.Draft202012Validator(event_schemas()[DEADLETTER_TYPE]).validate(entry)
    assert entry["code"] == "retries-exhausted"
    assert "503" in entry["reason"]
    assert len(Quarantine(bed.gateway.engine).list(TENANT.id)) == 1


def test_a_deleted_offering_is_removed_from_rio_only_if_rio_holds_it(bed: Bed) -> None:
    offering, cohorts = _catalogue()
    never_sent = factories.offering(ident="o-short-lived", location="123X457")
    bed.gateway.store.upsert([offering, *cohorts])
    bed.delivery.run_until_idle()
    bed.gateway.store.upsert([never_sent])
    bed.gateway.store.delete(TENANT.id, [never_sent.id, offering.id])
    report = bed.delivery.run_until_idle()
    assert (report.deleted, report.skipped) == (1, 1)
    assert bed.rio.state.codes(AANBIEDER) == []
    assert bed.rio.state.count(VERWIJDEREN) == 1


def test_deliver_and_diff_find_what_changed_in_rio_behind_the_gateways_back(bed: Bed) -> None:
    offering, cohorts = _catalogue()
    other = factories.offering(ident="o2", crebo="25651", leerweg="BBL", level=3)
    bed.gateway.store.upsert([offering, *cohorts, other])
    assert deliver_to_rio(bed.gateway, TENANT.id, client=bed.client).delivered == 2
    assert fetch_rio_diff(bed.gateway, TENANT.id, client=bed.client).in_sync

    code = str(offering.id)
    element = bed.rio.state.element(AANBIEDER, code)
    element.remove(next(element.iterfind("{*}aangebodenMboOpleidingCohort")))
    name = element.find("{*}aangebodenMboOpleidingPeriode/{*}eigenNaamAangebodenOpleiding")
    assert name is not None
    name.text = "Changed in RIO"
    bed.rio.state.remove(str(TENANT.oin), str(other.id))

    diff = fetch_rio_diff(bed.gateway, TENANT.id, client=bed.client)
    kinds = {d.code: d.kind for d in diff.differences}
    assert kinds == {code: "different", str(other.id): "missing-in-rio"}
    [changed] = [d for d in diff.differences if d.code == code]
    assert [(f.field, f.gateway, f.rio) for f in changed.fields] == [
        ("name", "Software developer", "Changed in RIO")]
    assert [(c.code, c.kind) for c in changed.cohorts] == [("2026-BOL", "missing-in-rio")]
    assert any("missing-in-rio" in line for line in diff.lines())


def test_only_one_replica_delivers_a_tenant_at_a_time(bed: Bed) -> None:
    state = RioDeliveryState(bed.gateway.engine)
    with state.claim(TENANT.id) as first:
        assert first is not None
        if bed.gateway.engine.dialect.name == "postgresql":
            with state.claim(TENANT.id) as second:
                assert second is None
            assert bed.delivery.run_once().busy
        first.advance(7)
    assert state.cursor(TENANT.id) == 7


def test_serve_runs_a_delivery_thread_per_rio_target(bed: Bed) -> None:
    offering, cohorts = _catalogue()
    bed.gateway.store.upsert([offering, *cohorts])
    stop = threading.Event()
    threads = start_rio_delivery(bed.gateway, stop, interval=0.05)
    try:
        assert [t.name for t in threads] == [f"rio-delivery-{TENANT.id}"]
        deadline = time.monotonic() + 30
        while bed.rio.state.codes(AANBIEDER) != [str(offering.id)]:
            assert time.monotonic() < deadline, "the delivery thread delivered nothing"
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    assert bed.held_cohorts(str(offering.id)) == ["2026-BOL", "2027-BOL"]


def _rejected(bed: Bed) -> tuple[Any, int]:
    """An offering RIO refused (a crebo its register does not know) and its quarantine id."""
    offering, cohorts = _catalogue(crebo="99999")
    bed.gateway.store.upsert([offering, *cohorts])
    assert bed.delivery.run_until_idle().rejected == 1
    [row] = Quarantine(bed.gateway.engine).list(TENANT.id)
    return offering, row.id


def test_a_replayed_rejection_is_delivered_once_the_cause_is_fixed(bed: Bed) -> None:
    offering, record = _rejected(bed)
    bed.rio.config = dataclasses.replace(  # DUO's register knows the crebo now
        bed.rio.config, known_crebos=bed.rio.config.known_crebos | {"99999"})
    assert bed.delivery.run_until_idle().delivered == 0  # no change, no replay: nothing sent
    assert bed.rio.state.count(AANLEVEREN) == 1

    first = replay(bed.gateway.engine, TENANT.id, record)
    again = replay(bed.gateway.engine, TENANT.id, record)  # harmless: queued once
    assert (first.queued, first.item, again.queued) == (True, offering.id, False)
    handled = Quarantine(bed.gateway.engine).get(TENANT.id, record)
    assert handled is not None and handled.replayed_at is not None

    report = bed.delivery.run_until_idle()
    assert (report.delivered, report.rejected, report.failed) == (1, 0, 0)
    assert bed.rio.state.count(AANLEVEREN) == 2
    assert bed.held_cohorts(str(offering.id)) == ["2026-BOL", "2027-BOL"]
    state = RioDeliveryState(bed.gateway.engine).offerings(TENANT.id)[offering.id]
    assert (state.status, state.held, state.detail) == (DeliveryStatus.DELIVERED, True, "")
    assert bed.delivery.run_until_idle().delivered == 0  # sent once
    assert bed.rio.state.count(AANLEVEREN) == 2
    assert len(bed.deadletters()) == 1 and Quarantine(bed.gateway.engine).list(TENANT.id) == []


def test_a_replay_refused_again_is_dead_lettered_anew(bed: Bed) -> None:
    offering, record = _rejected(bed)
    replay(bed.gateway.engine, TENANT.id, record)
    report = bed.delivery.run_until_idle()
    assert (report.delivered, report.rejected) == (0, 1)
    assert bed.rio.state.count(AANLEVEREN) == 2
    letters = bed.deadletters()
    assert len(letters) == 2 and len({e["entityId"] for e in letters}) == 1
    entries = [e.subject for e in bed.gateway.event_log.read(
        TENANT.id, types=(DEADLETTER_TYPE,)).events]
    assert len(set(entries)) == 2  # a new entry, not the first one again
    [open_row] = Quarantine(bed.gateway.engine).list(TENANT.id)
    assert open_row.id != record and open_row.path == str(offering.id)
    assert bed.delivery.run_until_idle().rejected == 0  # not retried by the loop


def test_a_pulls_record_is_not_replayed(bed: Bed) -> None:
    quarantine = Quarantine(bed.gateway.engine)
    pulled = quarantine.put(tenant=TENANT.id, source="sis", kind="Offering",
                            path="/offerings", reason="startDate: not a date", raw="{}")
    never_sent = quarantine.put(tenant=TENANT.id, source="rio", kind="programme-offering",
                                path=str(factories.offering().id), reason="x", raw="{}")
    for record in (pulled, never_sent):
        with pytest.raises(NotReplayable, match="fix the record at its source"):
            replay(bed.gateway.engine, TENANT.id, record)
    assert [r.id for r in quarantine.list(TENANT.id)] == [pulled, never_sent]
    with pytest.raises(NotFoundError):
        replay(bed.gateway.engine, "roc-b", pulled)
