"""Where the events suite reads messages: a recording, a Kafka topic, or the embedded log.

Chosen from the target, first match wins:

- ``--files PATH``: a recording (JSON lines, see :mod:`.records`);
- ``--option bootstrap=HOST:PORT --option topic=NAME``: a Kafka topic, read from the
  beginning of every partition by a consumer without a group (nothing is committed);
- ``--base-url URL`` with ``--token`` or client credentials: ``GET /events`` of the
  gateway's embedded log, page by page.

``max_messages`` (default 1000) bounds what is read; ``timeout`` (seconds, default 10)
bounds how long a Kafka read waits for messages that do not come.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from contract_tests.checks import NotApplicable
from contract_tests.http import HttpRecorder
from contract_tests.suites.events.contract import EventContract, load_contract
from contract_tests.suites.events.records import RecordedMessage, from_structured, read_jsonl
from contract_tests.target import Target, TargetError

__all__ = ["EventsContext", "make_context", "read_http", "read_kafka"]

_PAGE = 500


@dataclass(frozen=True)
class EventsContext:
    """The messages read, where from (``file``, ``kafka``, ``http``), and the contract."""

    messages: list[RecordedMessage]
    source: str
    contract: EventContract
    topic: str | None = None

    def read(self) -> list[RecordedMessage]:
        """The messages a rule is tested on.

        Raises:
            NotApplicable: nothing was read (an empty topic or log): no rule about messages
                was tested, so none may say it passed; ``events.present`` warns.
        """
        if not self.messages:
            raise NotApplicable(f"no message was read from the {self.source} source "
                                "(events.present warns)")
        return self.messages


def _number(target: Target, name: str, default: float) -> float:
    text = target.option(name)
    try:
        value = float(text) if text is not None else default
    except ValueError as exc:
        raise TargetError(f"--option {name} must be a number, not {text!r}") from exc
    if value <= 0:
        raise TargetError(f"--option {name} must be positive")
    return value


def read_kafka(bootstrap: str, topic: str, *, max_messages: int,
               timeout: float) -> list[RecordedMessage]:
    """Up to ``max_messages`` records of ``topic`` from the start, waiting at most ``timeout``.

    Raises:
        TargetError: the broker cannot be reached.
    """
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    messages: list[RecordedMessage] = []
    try:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None,
                                 enable_auto_commit=False, client_id="gateway-contract")
    except KafkaError as exc:
        raise TargetError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
    try:
        deadline = time.monotonic() + timeout
        partitions = consumer.partitions_for_topic(topic)
        while not partitions and time.monotonic() < deadline:
            time.sleep(0.2)
            partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise TargetError(f"topic {topic} does not exist on {bootstrap}")
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        while len(messages) < max_messages and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    messages.append(RecordedMessage.of(
                        r.topic, r.key, r.headers or [], r.value,
                        f"{r.topic}/{r.partition}@{r.offset}", r.partition, r.offset))
    except KafkaError as exc:
        raise TargetError(f"reading {topic} from {bootstrap} failed: {exc}") from exc
    finally:
        consumer.close()
    return messages[:max_messages]


def _events_of(page: Any) -> list[Any] | None:
    events = page.get("events") if isinstance(page, dict) else None
    return events if isinstance(events, list) and isinstance(page.get("cursor"), int) else None


def read_http(target: Target, *, max_messages: int) -> list[RecordedMessage]:
    """Up to ``max_messages`` events of ``GET {base_url}/events``, oldest first.

    Raises:
        TargetError: the endpoint cannot be reached, refuses the credentials, or answers
            with something that is not a page of the event log.
    """
    messages: list[RecordedMessage] = []
    with HttpRecorder.from_target(target) as http:
        after = 0
        while len(messages) < max_messages:
            exchange = http.get("/events", {"after": after, "limit": _PAGE})
            page = exchange.json()
            events = _events_of(page)
            if exchange.status != 200 or events is None:
                raise TargetError(f"{exchange.request_line} answered {exchange.status} "
                                  "without a page of events")
            messages += [from_structured(event, exchange.request_line) if isinstance(
                event, dict) else RecordedMessage(None, None, (), json.dumps(event),
                                                  exchange.request_line) for event in events]
            if not events:
                break
            after = page["cursor"]
    return messages[:max_messages]


def make_context(target: Target) -> EventsContext:
    """Read the messages the target names (see the module docstring).

    Raises:
        TargetError: no source named, or the source cannot be read.
    """
    contract = load_contract(target.option("schemas_dir"))
    max_messages = int(_number(target, "max_messages", 1000))
    if target.files is not None:
        return EventsContext(read_jsonl(target.require_files()), "file", contract)
    bootstrap, topic = target.option("bootstrap"), target.option("topic")
    if bootstrap and topic:
        messages = read_kafka(bootstrap, topic, max_messages=max_messages,
                              timeout=_number(target, "timeout", 10.0))
        return EventsContext(messages, "kafka", contract, topic)
    if target.base_url:
        return EventsContext(read_http(target, max_messages=max_messages), "http", contract)
    raise TargetError("the events suite needs --files RECORDING, --option bootstrap=HOST:PORT "
                      "--option topic=NAME, or --base-url of the gateway's event log")
