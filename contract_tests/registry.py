"""The known suites, each loaded on first use from ``contract_tests.suites.<module>``.

Loading lazily keeps ``import contract_tests`` (and the pytest plugin) cheap: a suite's
schemas are compiled only when it runs. A suite whose module is missing is listed as
not available rather than breaking the others.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator, Mapping

from contract_tests.checks import Suite

__all__ = ["SUITES", "SUITE_MODULES", "SuiteNotAvailable", "available", "get_suite"]

#: suite name -> module under ``contract_tests.suites`` exposing ``suite``.
SUITE_MODULES: dict[str, str] = {
    "ooapi-v5": "ooapi_v5",
    "ooapi-v5-mbo": "ooapi_v5_mbo",
    "rio-v4": "rio_v4",
    "events": "events",
    "oneroster-1.2": "oneroster",
    "icalendar": "icalendar",
}


class SuiteNotAvailable(KeyError):
    """The suite is unknown, or its module is not installed."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "suite not available"


def _load(name: str) -> Suite:
    module_name = SUITE_MODULES.get(name)
    if module_name is None:
        raise SuiteNotAvailable(f"unknown suite {name!r}; known: {', '.join(SUITE_MODULES)}")
    qualified = f"contract_tests.suites.{module_name}"
    try:
        module = importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name is not None and qualified.startswith(exc.name):
            raise SuiteNotAvailable(f"suite {name!r} is not available in this version") from exc
        raise
    suite = getattr(module, "suite", None)
    if not isinstance(suite, Suite):
        raise SuiteNotAvailable(f"{qualified} exposes no `suite`")
    return suite


class _LazySuites(Mapping[str, Suite]):
    """A mapping of the available suites, importing each module on first access."""

    def __init__(self) -> None:
        self._loaded: dict[str, Suite] = {}

    def __getitem__(self, name: str) -> Suite:
        if name not in self._loaded:
            self._loaded[name] = _load(name)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return (name for name, ok in available().items() if ok)

    def __len__(self) -> int:
        return sum(available().values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and available().get(name, False)


SUITES: Mapping[str, Suite] = _LazySuites()


def get_suite(name: str) -> Suite:
    """The suite called ``name``.

    Raises:
        SuiteNotAvailable: unknown name, or its module is missing.
    """
    return SUITES[name]


def available() -> dict[str, bool]:
    """Every known suite name with whether its module can be imported (no import done)."""
    found: dict[str, bool] = {}
    for name, module_name in SUITE_MODULES.items():
        found[name] = importlib.util.find_spec(f"contract_tests.suites.{module_name}") is not None
    return found
