"""The ``events`` contract suite against the gateway's own events and every event fault.

The conformant stream is what the gateway emits for real changes (store upserts, an update,
a delete, across catalogue, person and timetable): read back from the in-memory publisher
as a recording, from the embedded log over HTTP (uvicorn on loopback, client-credentials
token), and from a real Kafka-protocol broker (Tansu). The suite must find no error in
any of them. Every fault of :mod:`simulators.event_faults` applied to the recording must be
reported by an error-level check.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from contract_tests.checks import Severity
from contract_tests.registry import get_suite
from contract_tests.runner import Report, Status, run
from contract_tests.suites.events.personal_data import scan_text, scan_value
from contract_tests.suites.events.records import RecordedMessage, dump_jsonl, read_jsonl
from contract_tests.target import Target, TargetError
from gateway.api.app import create_app
from gateway.api.auth.clients import ClientRegistry
from gateway.api.testing import gateway_on_sqlite, settings_for_tests
from gateway.events.kafka_publisher import KafkaEventPublisher, kafka_client_config
from gateway.testing.serving import serve_in_thread
from simulators.conformant import event_recording, seed_events
from simulators.event_faults import write_recording
from simulators.fault_proof import DetectionLog, detected
from simulators.faults import Fault, faults

EVENT_FAULTS = faults("events")


@pytest.fixture
def recording(tmp_path: Path) -> list[RecordedMessage]:
    return event_recording(tmp_path)


def _run_file(folder: Path, messages: list[RecordedMessage]) -> Report:
    return run(get_suite("events"), write_recording(messages, folder))


def _errors(report: Report) -> set[str]:
    """The checks that reported an error; a check that crashed is a defect, not a catch."""
    assert [r.check.id for r in report.results if r.status is Status.ERRORED] == []
    return {f.check_id for f in report.findings(Severity.ERROR)}


def test_the_gateways_own_recording_has_no_findings(
    recording: list[RecordedMessage], tmp_path: Path
) -> None:
    assert len(recording) == 9
    assert {m.topic for m in recording} == {"mbo.roc-a.catalogue", "mbo.roc-a.person",
                                            "mbo.roc-a.timetable", "mbo.roc-a.deadletter"}
    report = _run_file(tmp_path, recording)
    assert report.findings() == []
    assert len(report.results) == len(get_suite("events").checks) >= 10
    assert report.skipped == 0  # a recording has keys and topics: every rule applies


def test_a_recording_reads_back_as_written(recording: list[RecordedMessage],
                                           tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(dump_jsonl(recording), encoding="utf-8")
    again = read_jsonl(path)
    assert [(m.topic, m.key, m.headers, m.value) for m in again] == [
        (m.topic, m.key, m.headers, m.value) for m in recording]


def test_the_embedded_log_over_http_has_no_errors(tmp_path: Path) -> None:
    gateway = gateway_on_sqlite(tmp_path / "gw.db")
    try:
        seed_events(gateway)
        secret = ClientRegistry.for_gateway(gateway).register("roc-a", "reader", ["events:read"])
        with serve_in_thread(create_app(gateway), timeout_graceful_shutdown=5) as port:
            base = f"http://127.0.0.1:{port}"
            report = run(get_suite("events"), Target(
                base_url=base, client_id="reader", client_secret=secret,
                token_url=f"{base}/oauth/token"))
            with pytest.raises(TargetError, match="token endpoint"):
                run(get_suite("events"), Target(
                    base_url=base, client_id="reader", client_secret="not-the-secret",
                    token_url=f"{base}/oauth/token"))
    finally:
        gateway.close()
    assert report.findings() == []
    checked = {r.check.id for r in report.results}
    assert "events.data.schema" in checked
    skipped = {r.check.id: r.reason for r in report.results if r.status is Status.SKIPPED}
    assert set(skipped) == {"events.key.subject", "events.topic.channel"}  # no keys, no topics
    assert "no record keys" in skipped["events.key.subject"]


def test_an_empty_event_log_passes_nothing(tmp_path: Path) -> None:
    gateway = gateway_on_sqlite(tmp_path / "gw.db")
    try:
        secret = ClientRegistry.for_gateway(gateway).register("roc-a", "reader", ["events:read"])
        with serve_in_thread(create_app(gateway), timeout_graceful_shutdown=5) as port:
            base = f"http://127.0.0.1:{port}"
            report = run(get_suite("events"), Target(
                base_url=base, client_id="reader", client_secret=secret,
                token_url=f"{base}/oauth/token"))
    finally:
        gateway.close()
    verdicts = {r.check.id: r for r in report.results}
    assert verdicts.pop("events.present").status is Status.WARNED
    assert report.passed == 0 and report.ok
    assert {r.status for r in verdicts.values()} == {Status.SKIPPED}
    reasons = {r.check.id: r.reason for r in verdicts.values()}
    assert "no record keys" in reasons.pop("events.key.subject")  # http: keys never apply
    assert {r for r in reasons.values()} == {
        "no message was read from the http source (events.present warns)"}


def test_a_rule_with_nothing_to_compare_is_not_applicable(
    recording: list[RecordedMessage], tmp_path: Path
) -> None:
    one = [m for m in recording if m.topic == "mbo.roc-a.catalogue"][:1]
    report = _run_file(tmp_path, one)
    verdicts = {r.check.id: r for r in report.results}
    assert report.findings() == []
    for check_id in ("events.entity-version.increasing", "events.id.consistent"):
        assert verdicts[check_id].status is Status.SKIPPED, check_id
    assert "occurs twice" in verdicts["events.entity-version.increasing"].reason
    assert verdicts["events.data.schema"].status is Status.PASSED


def test_a_kafka_topic_of_the_gateway_has_no_errors(kafka_bootstrap: str,
                                                    tmp_path: Path) -> None:
    prefix = f"ct{uuid.uuid4().hex[:8]}"
    publisher = KafkaEventPublisher(kafka_client_config(kafka_bootstrap), partitions=3)
    gateway = gateway_on_sqlite(tmp_path / "gw.db", settings_for_tests(topic_prefix=prefix),
                                publisher=publisher)
    try:
        expected = seed_events(gateway)
        assert gateway.relay is not None
        gateway.relay.drain()
    finally:
        gateway.close()
    report = run(get_suite("events"), Target(options={
        "bootstrap": kafka_bootstrap, "topic": f"{prefix}.roc-a.catalogue",
        "max_messages": str(expected), "timeout": "60"}))
    assert report.findings() == []
    assert sum(1 for r in report.results if r.check.id == "events.key.subject") == 1


@pytest.mark.parametrize(("line", "reason"), [
    ("not json", "not JSON"), ("[1, 2]", "JSON object"),
    ('{"headers": [["ce_id"]], "value": "{}"}', "pair"),
])
def test_a_broken_recording_is_a_target_error(line: str, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(TargetError, match=reason):
        run(get_suite("events"), Target(files=path))


def test_without_a_source_the_suite_says_what_it_needs() -> None:
    with pytest.raises(TargetError, match="--option bootstrap"):
        run(get_suite("events"), Target())


def test_the_event_faults_are_at_least_the_issues_six() -> None:
    assert len(EVENT_FAULTS) >= 6


@pytest.mark.parametrize("fault", EVENT_FAULTS, ids=lambda f: f.name)
def test_every_event_fault_is_reported_by_an_error_level_check(
    fault: Fault, recording: list[RecordedMessage], tmp_path: Path,
    fault_detections: DetectionLog
) -> None:
    mutated = fault.apply(recording)
    assert mutated != recording
    report = _run_file(tmp_path, mutated)
    fault_detections.record(fault, report)
    assert not report.ok, f"{fault.name} ({fault.description}) went unnoticed"
    assert _errors(report), report.findings()
    assert detected(report)


@pytest.mark.parametrize("text", [
    "mail jan.devries@example.nl", "06-12345678", "bel +31 6 12345678", "020-1234567",
    "bsn 123456782",
])
def test_shapes_of_personal_data_are_found(text: str) -> None:
    assert list(scan_text(text))


@pytest.mark.parametrize("text", [
    "54032165-63a9-5a51-a4c3-123456782012", "2026-09-01T08:30:00+00:00", "25604",
    "https://ketenid.nl/abc", "123456789", "mbo.roc-a.catalogue", "1200.50",
])
def test_ids_times_codes_and_non_bsn_numbers_are_not_personal_data(text: str) -> None:
    assert list(scan_text(text)) == []


def test_a_field_named_for_personal_data_is_found_wherever_it_is() -> None:
    found = list(scan_value({"entity": {"items": [{"birthDate": "2008-05-01"}]}}, "data"))
    assert [(f.pointer, f.kind) for f in found] == [
        ("data/entity/items/0/birthDate", "personal-data field 'birthDate'")]
