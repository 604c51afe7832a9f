"""One consumed event as the checks see it, and the JSON-lines file format of recordings.

Whatever the source (a Kafka topic, the gateway's embedded log over HTTP, a recording), each
message becomes a :class:`RecordedMessage`: topic, key, headers in order, value as text.
The embedded log serves CloudEvents in *structured* mode; those are turned into the binary
form they have on Kafka (``ce_<attribute>`` headers, ``content-type``, the data as value),
with no key and no topic, so one set of checks serves every source.

Recording format (``.jsonl``, one message per line, UTF-8)::

    {"topic": "mbo.roc-a.catalogue", "partition": 0, "offset": 7,
     "key": "7f6c...", "headers": [["ce_specversion", "1.0"], ["ce_id", "..."], ...],
     "value": "{\\"entity\\": {...}, \\"changedFields\\": [...]}"}

``headers`` is a list of ``[name, value]`` pairs (Kafka allows repeats) or an object;
``value`` is the record value as text (null for a Kafka tombstone); ``topic``,
``partition``, ``offset`` and ``key`` may be null or absent. Blank lines are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract_tests.target import TargetError

__all__ = ["RecordedMessage", "dump_jsonl", "from_structured", "load_jsonl", "read_jsonl"]


def _text(value: bytes | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class RecordedMessage:
    """A consumed message: ``where`` says where it was read (topic/partition@offset, line)."""

    topic: str | None
    key: str | None
    headers: tuple[tuple[str, str], ...]
    value: str | None
    where: str = ""
    partition: int | None = None
    offset: int | None = None

    def header(self, name: str) -> str | None:
        """The first header called ``name``, or None."""
        return next((value for key, value in self.headers if key == name), None)

    def header_count(self, name: str) -> int:
        return sum(1 for key, _ in self.headers if key == name)

    @classmethod
    def of(cls, topic: str | None, key: bytes | str | None,
           headers: Iterable[tuple[str, bytes | str | None]], value: bytes | str | None,
           where: str = "", partition: int | None = None,
           offset: int | None = None) -> RecordedMessage:
        """A message from raw Kafka parts (bytes are decoded as UTF-8)."""
        return cls(topic, _text(key), tuple((k, _text(v) or "") for k, v in headers),
                   _text(value), where, partition, offset)

    def as_json(self) -> dict[str, Any]:
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset,
                "key": self.key, "headers": [list(pair) for pair in self.headers],
                "value": self.value}


def from_structured(event: Mapping[str, Any], where: str = "") -> RecordedMessage:
    """A structured-mode CloudEvent (JSON object) in its binary form, without key or topic."""
    headers: list[tuple[str, str]] = []
    for name, value in event.items():
        if name in ("data", "data_base64", "datacontenttype"):
            continue
        headers.append((f"ce_{name}", value if isinstance(value, str) else json.dumps(value)))
    if "datacontenttype" in event:
        headers.append(("content-type", str(event["datacontenttype"])))
    value = json.dumps(event["data"], ensure_ascii=False) if "data" in event else None
    return RecordedMessage(None, None, tuple(headers), value, where)


def _pairs(headers: Any, where: str) -> list[tuple[str, str]]:
    items = headers.items() if isinstance(headers, Mapping) else headers or []
    pairs = []
    for item in items:
        if not (isinstance(item, Sequence) and len(item) == 2 and isinstance(item[0], str)):
            raise TargetError(f"{where}: a header is not a [name, value] pair: {item!r}")
        pairs.append((item[0], item[1] if isinstance(item[1], str) else json.dumps(item[1])))
    return pairs


def load_jsonl(text: str, origin: str = "recording") -> list[RecordedMessage]:
    """Messages from the text of a recording.

    Raises:
        TargetError: a line is not a JSON object of the format above.
    """
    messages = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TargetError(f"{where}: not JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise TargetError(f"{where}: a line must hold a JSON object")
        value = doc.get("value")
        if value is not None and not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        key = doc.get("key")
        messages.append(RecordedMessage(
            doc.get("topic"), None if key is None else str(key),
            tuple(_pairs(doc.get("headers"), where)), value, where,
            doc.get("partition"), doc.get("offset")))
    return messages


def read_jsonl(path: Path) -> list[RecordedMessage]:
    """Messages of one recording file, or of every ``*.jsonl`` file in a folder by name.

    Raises:
        TargetError: unreadable, empty, or not in the format.
    """
    files = [path] if path.is_file() else sorted(path.rglob("*.jsonl"))
    messages: list[RecordedMessage] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TargetError(f"cannot read {file}: {exc}") from exc
        messages += load_jsonl(text, file.name)
    if not messages:
        raise TargetError(f"{path} holds no recorded message")
    return messages


def dump_jsonl(messages: Iterable[RecordedMessage]) -> str:
    """The recording of ``messages`` (the inverse of :func:`load_jsonl`)."""
    return "".join(json.dumps(m.as_json(), ensure_ascii=False) + "\n" for m in messages)
