"""Fault modes: named mutations of conformant behaviour, the proof that the suites catch faults.

Each :class:`Fault` names one way a supplier can get the standard wrong (a required element
missing, a header dropped, personal data in an event, ...), the contract-test suite that
must catch it, and, for faults of messages and files, a ``mutate`` function that turns a
conformant input into the faulty one. CI runs every suite against its conformant input
(0 errors) and against every fault of that suite (each reported by at least one
error-level check), and prints the count: ``mutations detected: 31/31``.

Registering a fault of another suite (a simulator flag, a response mutator)::

    from simulators.faults import Fault, fault, register

    register(Fault("ooapi-v5.page-repeats-item", "ooapi-v5", "page 2 repeats an item"))

    @fault("oneroster-1.2.missing-sourcedid", "oneroster-1.2", "a row without sourcedId")
    def _missing_sourcedid(bundle: dict[str, str]) -> dict[str, str]: ...

A module holding faults is imported by :func:`faults` once it is listed in
:data:`FAULT_MODULES` (or added with :func:`register_module`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "FAULT_MODULES",
    "Fault",
    "detection_line",
    "fault",
    "faults",
    "get_fault",
    "register",
    "register_module",
]

#: Modules whose import registers faults; each suite's owner adds theirs.
FAULT_MODULES: list[str] = ["simulators.rio_faults", "simulators.event_faults"]
FAULT_MODULES.append("simulators.sis_faults")  # the SIS and mbo receiver fault modes
FAULT_MODULES.append("simulators.roster_faults")  # icalendar and oneroster-1.2 faults

_F = TypeVar("_F", bound=Callable[[Any], Any])
_REGISTRY: dict[str, Fault] = {}


@dataclass(frozen=True)
class Fault:
    """One named mutation of conformant behaviour.

    Attributes:
        name: unique over all suites, ``<suite>.<what-is-wrong>``.
        suite: the contract-test suite that must report it (``rio-v4``, ``events``, ...).
        description: what is wrong, in a supplier's words.
        mutate: conformant input -> faulty input (a copy; the input is left as it was), for
            faults of messages and files; None for faults switched on in a simulator.
    """

    name: str
    suite: str
    description: str
    mutate: Callable[[Any], Any] | None = None

    def apply(self, conformant: Any) -> Any:
        """The faulty version of ``conformant``.

        Raises:
            TypeError: this fault has no mutator (it is a simulator mode).
        """
        if self.mutate is None:
            raise TypeError(f"fault {self.name} is a simulator mode, not a mutator")
        return self.mutate(conformant)


def register(item: Fault) -> Fault:
    """Add a fault to the registry.

    Raises:
        ValueError: another fault already has this name.
    """
    existing = _REGISTRY.get(item.name)
    if existing is not None and existing != item:
        raise ValueError(f"a fault named {item.name} is already registered")
    _REGISTRY[item.name] = item
    return item


def fault(name: str, suite: str, description: str) -> Callable[[_F], _F]:
    """Decorator registering ``mutate(conformant) -> faulty`` as the fault ``name``."""

    def decorate(function: _F) -> _F:
        register(Fault(name, suite, description, function))
        return function

    return decorate


def register_module(module: str) -> None:
    """Have :func:`faults` import ``module`` (which registers faults when imported)."""
    if module not in FAULT_MODULES:
        FAULT_MODULES.append(module)


def _load() -> None:
    for module in FAULT_MODULES:
        importlib.import_module(module)


def faults(suite: str | None = None) -> list[Fault]:
    """Every registered fault (of one suite when given), ordered by name."""
    _load()
    return sorted((f for f in _REGISTRY.values() if suite is None or f.suite == suite),
                  key=lambda f: f.name)


def get_fault(name: str) -> Fault:
    """The fault called ``name``.

    Raises:
        KeyError: no such fault.
    """
    _load()
    return _REGISTRY[name]


def detection_line(detected: int, total: int) -> str:
    """The line CI prints: ``mutations detected: 31/31``."""
    return f"mutations detected: {detected}/{total}"
