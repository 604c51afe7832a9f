"""DUO's value lists (waardenlijsten) for RIO, kept as data an operator can extend.

The XSD types leertrajectMBO, cohortstatus, opleidingsvorm, toelatingseisen and the like as
a free ``WaardenlijstType``; DUO publishes the allowed codes and changes them. So the codes
live in a packaged YAML file (``waardenlijsten.yaml`` beside this module) and an optional
override file of the same shape adds codes and replaces defaults and mappings, without a
release of the gateway.

    lists = load_value_lists(settings_path_or_None)
    lists.check("cohortstatus", "O")                 -> "O", or raises UnknownValueError
    lists.map("leerweg", "BOL")                      -> "BOL" (canonical -> RIO code)
    lists.default("toelatingseisen")                 -> "NEE"
    lists.codes("voertaal")                          -> frozenset({"NLD", "ENG", ...})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from gateway.errors import ConfigurationError, DomainRuleError

__all__ = ["UnknownValueError", "ValueList", "ValueLists", "load_value_lists"]

_PACKAGE = "gateway.adapters.rio"
_PACKAGED = "waardenlijsten.yaml"


class UnknownValueError(DomainRuleError):
    """A code that is not on DUO's list (as configured), or a value with no mapping."""

    code = "rio-unknown-value"


@dataclass(frozen=True)
class ValueList:
    """One waardenlijst: its codes with labels and the code used when the model has none."""

    name: str
    values: Mapping[str, str]
    default: str | None = None
    verified: bool = False


@dataclass(frozen=True)
class ValueLists:
    """All value lists and the canonical -> RIO mappings, checked against each other."""

    lists: Mapping[str, ValueList]
    mappings: Mapping[str, tuple[str, Mapping[str, str]]] = field(default_factory=dict)

    def _list(self, name: str) -> ValueList:
        try:
            return self.lists[name]
        except KeyError:
            raise ConfigurationError(f"no RIO value list named {name!r}") from None

    def codes(self, name: str) -> frozenset[str]:
        return frozenset(self._list(name).values)

    def label(self, name: str, code: str) -> str:
        return self._list(name).values.get(code, code)

    def is_valid(self, name: str, code: str) -> bool:
        return code in self._list(name).values

    def check(self, name: str, code: str) -> str:
        """Return ``code`` when it is on list ``name``.

        Raises:
            UnknownValueError: it is not; the message lists the allowed codes.
        """
        if not self.is_valid(name, code):
            allowed = ", ".join(sorted(self._list(name).values))
            raise UnknownValueError(
                f"{code!r} is not on the RIO value list {name} (allowed: {allowed}); "
                "extend the list with an override file if DUO added it",
                path=name,
            )
        return code

    def default(self, name: str) -> str:
        """The list's default code (used when the canonical model holds no value)."""
        value = self._list(name).default
        if value is None:
            raise ConfigurationError(f"the RIO value list {name} has no default")
        return value

    def map(self, mapping: str, value: Any) -> str:
        """The RIO code for a canonical value (``str(value)``; booleans as ``true``/``false``).

        Raises:
            UnknownValueError: the mapping has no entry for the value.
        """
        try:
            list_name, table = self.mappings[mapping]
        except KeyError:
            raise ConfigurationError(f"no RIO value mapping named {mapping!r}") from None
        key = str(value).lower() if isinstance(value, bool) else str(value)
        code = table.get(key)
        if code is None:
            raise UnknownValueError(
                f"no RIO {list_name} code for {mapping} {key!r} "
                f"(mapped: {', '.join(sorted(table))})",
                path=mapping,
            )
        return code


def _read(text: str, origin: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"RIO value lists {origin}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not set(data) <= {"lists", "mappings"}:
        raise ConfigurationError(f"RIO value lists {origin}: expected keys lists/mappings")
    return data


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    lists = {name: dict(spec) for name, spec in (base.get("lists") or {}).items()}
    for name, spec in (extra.get("lists") or {}).items():
        merged = lists.setdefault(name, {})
        merged["values"] = {**(merged.get("values") or {}), **(spec.get("values") or {})}
        for key in ("default", "verified"):
            if key in spec:
                merged[key] = spec[key]
    mappings = {**(base.get("mappings") or {})}
    for name, spec in (extra.get("mappings") or {}).items():
        old = mappings.get(name) or {}
        mappings[name] = {
            "list": spec.get("list", old.get("list")),
            "map": {**(old.get("map") or {}), **(spec.get("map") or {})},
        }
    return {"lists": lists, "mappings": mappings}


def _build(data: dict[str, Any]) -> ValueLists:
    lists: dict[str, ValueList] = {}
    for name, spec in data["lists"].items():
        values = {str(k): str(v) for k, v in (spec.get("values") or {}).items()}
        default = spec.get("default")
        if default is not None and str(default) not in values:
            raise ConfigurationError(f"RIO value list {name}: default {default!r} not a code")
        lists[name] = ValueList(name, values, None if default is None else str(default),
                                bool(spec.get("verified", False)))
    mappings: dict[str, tuple[str, Mapping[str, str]]] = {}
    for name, spec in data["mappings"].items():
        target = spec.get("list")
        if target not in lists:
            raise ConfigurationError(f"RIO value mapping {name}: unknown list {target!r}")
        table = {str(k): str(v) for k, v in (spec.get("map") or {}).items()}
        wrong = sorted(v for v in table.values() if v not in lists[target].values)
        if wrong:
            raise ConfigurationError(f"RIO value mapping {name}: {wrong} not on list {target}")
        mappings[name] = (target, table)
    return ValueLists(lists, mappings)


@lru_cache(maxsize=4)
def load_value_lists(override: Path | None = None) -> ValueLists:
    """The packaged value lists, extended by the operator's ``override`` file if given.

    Raises:
        ConfigurationError: a file is unreadable or inconsistent (a default or mapped code
            that is not on its list).
    """
    packaged = resources.files(_PACKAGE).joinpath(_PACKAGED).read_text(
        encoding="utf-8"
    )
    data = _merge({}, _read(packaged, "(packaged)"))
    if override is not None:
        try:
            text = Path(override).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read RIO value lists {override}: {exc}") from exc
        data = _merge(data, _read(text, str(override)))
    return _build(data)
