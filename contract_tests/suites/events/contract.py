"""The published event contract, read from the AsyncAPI document and its JSON Schemas.

The suite takes the contract from the same files the gateway publishes
(``schemas/asyncapi.yaml`` and ``schemas/events/*.json``), never from the gateway's code:
a supplier checks its consumer's view against the document it was given. The files are
found in ``--option schemas_dir=DIR``, else in the installed package (``gateway/_schemas``,
put there by the wheel build), else in the repository's ``schemas/`` folder.

    contract = load_contract(None)
    message = contract.messages["nl.mbo.catalogue.cohort.upserted.v1"]
    list(message.payload.iter_errors(data))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker

from contract_tests.target import TargetError

__all__ = ["EventContract", "MessageContract", "find_schemas_dir", "load_contract"]

ASYNCAPI = "asyncapi.yaml"


@dataclass(frozen=True)
class MessageContract:
    """One message of the AsyncAPI document: its channel, header and payload validators."""

    type: str
    channel: str
    headers: Draft202012Validator
    payload: Draft202012Validator
    dataschema: str | None


@dataclass(frozen=True)
class EventContract:
    """Every message type the document declares, by ``ce_type``."""

    source: Path
    messages: dict[str, MessageContract]


def find_schemas_dir(option: str | None) -> Path:
    """The folder holding ``asyncapi.yaml`` (see the module docstring for the order).

    Raises:
        TargetError: none of the places holds the document.
    """
    candidates: list[Path] = []
    if option:
        candidates.append(Path(option))
    else:
        packaged = resources.files("gateway").joinpath("_schemas")
        if isinstance(packaged, Path):
            candidates.append(packaged)
        candidates.append(Path(__file__).resolve().parents[3] / "schemas")
    for folder in candidates:
        if (folder / ASYNCAPI).is_file():
            return folder
    tried = ", ".join(str(c) for c in candidates)
    raise TargetError(f"no {ASYNCAPI} found (tried {tried}); set --option schemas_dir=DIR")


def _consts(headers: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in headers.get("allOf", []):
        for name, spec in (part.get("properties") or {}).items():
            if isinstance(spec, dict) and "const" in spec:
                found[name] = spec["const"]
    return found


def _resolve_headers(headers: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The message's header schema with ``#/components/schemas/...`` refs inlined."""
    parts = []
    for part in headers.get("allOf", [headers]):
        ref = part.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            part = components["schemas"][ref.rsplit("/", 1)[1]]
        parts.append(part)
    return {"allOf": parts}


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise TargetError(f"cannot read {path}: {exc}") from exc


@lru_cache(maxsize=4)
def load_contract(option: str | None) -> EventContract:
    """The contract from the AsyncAPI document found via :func:`find_schemas_dir`.

    Raises:
        TargetError: the document or a payload schema it names is missing or unreadable.
    """
    folder = find_schemas_dir(option)
    document = _read(folder / ASYNCAPI)
    components = document.get("components") or {}
    channel_of = {
        ref["$ref"].rsplit("/", 1)[1]: name
        for name, channel in (document.get("channels") or {}).items()
        for ref in (channel.get("messages") or {}).values()
    }
    checker = FormatChecker()
    messages: dict[str, MessageContract] = {}
    for name, message in (components.get("messages") or {}).items():
        payload_ref = message["payload"]["$ref"]
        payload = _read((folder / payload_ref).resolve())
        headers = message.get("headers") or {}
        messages[name] = MessageContract(
            type=name,
            channel=channel_of.get(name, ""),
            headers=Draft202012Validator(_resolve_headers(headers, components),
                                         format_checker=checker),
            payload=Draft202012Validator(payload, format_checker=checker),
            dataschema=_consts(headers).get("ce_dataschema"),
        )
    return EventContract(folder, messages)
