"""Fault modes of event streams: mutations of a conformant recording, for the ``events`` suite.

The conformant input is a list of :class:`~contract_tests.suites.events.records.RecordedMessage`
as the gateway produced them (store upserts, relayed to a publisher, read back). Each
mutation returns a new list with one fault; the input must hold what the fault needs (an
entity with two versions, an upserted programme offering) or it raises ``ValueError``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from contract_tests.suites.events.records import RecordedMessage, dump_jsonl
from contract_tests.target import Target
from simulators.conformant import event_recording
from simulators.fault_proof import mutator_proof, register_proof
from simulators.faults import fault

__all__ = ["Recording", "write_recording"]

Recording = Sequence[RecordedMessage]
_SUITE = "events"


def _set_header(record: RecordedMessage, name: str, value: str | None) -> RecordedMessage:
    """``record`` with header ``name`` set to ``value`` (removed when None)."""
    headers = [(k, v) for k, v in record.headers if k != name]
    if value is not None:
        headers.append((name, value))
    return replace(record, headers=tuple(headers))


def _changed(recording: Recording, edit: Callable[[RecordedMessage], RecordedMessage | None],
             what: str) -> list[RecordedMessage]:
    """Apply ``edit`` to the first message for which it returns a changed one."""
    result = list(recording)
    for index, record in enumerate(result):
        changed = edit(record)
        if changed is not None:
            result[index] = changed
            return result
    raise ValueError(f"the recording holds no {what}")


def _first(recording: Recording, change: Callable[[RecordedMessage], RecordedMessage],
           ) -> list[RecordedMessage]:
    return _changed(recording, change, "message")


@fault("events.missing-ce-subject", _SUITE, "a record without its ce_subject header")
def missing_header(recording: Recording) -> list[RecordedMessage]:
    return _first(recording, lambda r: _set_header(r, "ce_subject", None))


@fault("events.wrong-specversion", _SUITE, "ce_specversion 0.3 instead of 1.0")
def wrong_specversion(recording: Recording) -> list[RecordedMessage]:
    return _first(recording, lambda r: _set_header(r, "ce_specversion", "0.3"))


@fault("events.wrong-content-type", _SUITE, "content-type text/plain on a JSON value")
def wrong_content_type(recording: Recording) -> list[RecordedMessage]:
    return _first(recording, lambda r: _set_header(r, "content-type", "text/plain"))


@fault("events.unknown-type", _SUITE, "a ce_type the AsyncAPI document does not declare")
def unknown_type(recording: Recording) -> list[RecordedMessage]:
    return _first(recording, lambda r: _set_header(
        r, "ce_type", "nl.mbo.catalogue.brochure.upserted.v1"))


@fault("events.key-not-subject", _SUITE, "a record key that is not the entity id")
def key_not_subject(recording: Recording) -> list[RecordedMessage]:
    return _first(recording, lambda r: replace(r, key=str(uuid.uuid4())))


def _with_data(record: RecordedMessage, change: Callable[[dict[str, object]], bool],
               ) -> RecordedMessage | None:
    data = json.loads(record.value or "null")
    if not isinstance(data, dict) or not change(data):
        return None
    return replace(record, value=json.dumps(data, ensure_ascii=False))


@fault("events.data-not-schema", _SUITE, "data without the required changedFields")
def data_not_schema(recording: Recording) -> list[RecordedMessage]:
    return _changed(recording, lambda r: _with_data(
        r, lambda d: d.pop("changedFields", None) is not None), "data with changedFields")


def _describe(data: dict[str, object], text: str) -> bool:
    entity = data.get("entity")
    if not isinstance(entity, dict) or "crebo" not in entity or "leerweg" not in entity:
        return False
    entity["description"] = text
    return True


@fault("events.personal-data-email", _SUITE,
       "a programme offering's description holding a student's e-mail address")
def personal_data_email(recording: Recording) -> list[RecordedMessage]:
    return _changed(recording, lambda r: _with_data(
        r, lambda d: _describe(d, "Vragen? Mail Jan de Vries, jan.devries@example.nl")),
        "upserted programme offering")


@fault("events.bsn-in-header", _SUITE, "a header carrying a citizen service number (BSN)")
def bsn_in_header(recording: Recording) -> list[RecordedMessage]:
    return _first(recording, lambda r: _set_header(r, "x-student", "123456782"))


@fault("events.version-backwards", _SUITE,
       "an entity's version 2 delivered before its version 1")
def version_backwards(recording: Recording) -> list[RecordedMessage]:
    result = list(recording)
    first_seen: dict[str, int] = {}
    for index, record in enumerate(result):
        subject = record.header("ce_subject") or ""
        if subject in first_seen:
            earlier = first_seen[subject]
            result[earlier], result[index] = result[index], result[earlier]
            return result
        first_seen[subject] = index
    raise ValueError("the recording holds no entity with two versions")


@fault("events.wrong-topic", _SUITE, "a catalogue event on the tenant's timetable topic")
def wrong_topic(recording: Recording) -> list[RecordedMessage]:
    def move(record: RecordedMessage) -> RecordedMessage | None:
        if record.topic is None or not record.topic.endswith(".catalogue"):
            return None
        return replace(record, topic=record.topic.removesuffix(".catalogue") + ".timetable")

    return _changed(recording, move, "message on a catalogue topic")


@fault("events.id-reused", _SUITE, "two different events sharing one ce_id")
def id_reused(recording: Recording) -> list[RecordedMessage]:
    if len(recording) < 2:
        raise ValueError("the recording holds fewer than two messages")
    first = recording[0].header("ce_id")
    result = list(recording)
    result[1] = _set_header(result[1], "ce_id", first or "")
    return result


def write_recording(recording: Recording, folder: Path) -> Target:
    """Write a recording as ``recording.jsonl`` into ``folder``; the target that checks it."""
    path = folder / "recording.jsonl"
    path.write_text(dump_jsonl(recording), encoding="utf-8")
    return Target(files=path)


register_proof(mutator_proof(_SUITE, event_recording, write_recording))
