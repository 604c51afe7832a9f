"""Checks are data: an id, the rule in words, its place in the specification, a severity.

A suite is a named list of checks plus a factory for the context its checks share (an
HTTP client, parsed files, a consumer of a topic). Adding a check is one function::

    suite = Suite("ooapi-v5", title="OOAPI v5", description="...", context_factory=make)

    @suite.check("ooapi-v5.paging.has-next-page", title="hasNextPage is consistent",
                 rule="hasNextPage is true exactly when a later page holds items",
                 reference="ooapi.json #/components/schemas/Pagination")
    def has_next_page(ctx: Context) -> Iterable[Finding]:
        ...
        yield Finding.error("...", location=url, value=page["hasNextPage"])

A check whose rule does not apply to the target (a REST rule in a run on files, a
receiver rule in an SIS run) raises :class:`NotApplicable` with the reason; the runner
reports it as ``skipped``, never as passed, and a skip never fails the run.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from contract_tests.target import Target

__all__ = ["Check", "CheckFunction", "Finding", "NotApplicable", "Severity", "Suite", "truncate"]

_VALUE_LIMIT = 200


class Severity(enum.StrEnum):
    """How much a failed rule matters: an error fails the run, a warning does not."""

    ERROR = "error"
    WARNING = "warning"


def truncate(value: object, limit: int = _VALUE_LIMIT) -> str:
    """The ``repr`` of a value cut to ``limit`` characters (strings are shown as they are)."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class NotApplicable(Exception):
    """Raised by a check (or its setup) whose rule does not apply to this target.

    An exception rather than a return value, so a helper deep in a check can say it
    (``ctx.require_role("sis")``) and a generator check can say it before its first
    finding. The runner reports the check as ``skipped`` with ``reason``; a check that
    already yielded findings keeps them and their verdict.

    Args:
        reason: why the rule does not apply, in the supplier's words
            ("the feed was read from files, not fetched over HTTP").
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Finding:
    """One place where an implementation departs from a rule.

    Attributes:
        check_id: the id of the check that found it.
        message: what is wrong, in words.
        severity: the check's severity, unless the check says otherwise.
        location: where: a URL or file path plus a JSON Pointer, XPath or line.
        value: the offending value (a ``repr`` cut to 200 characters).
        request: the request that produced it (``GET http://...``) or a file name.
    """

    check_id: str
    message: str
    severity: Severity
    location: str = ""
    value: str = ""
    request: str = ""

    def __post_init__(self) -> None:
        if len(self.value) > _VALUE_LIMIT:
            object.__setattr__(self, "value", truncate(self.value))


CheckFunction = Callable[[Any], Iterable[Finding]]
_F = TypeVar("_F", bound=CheckFunction)


@dataclass(frozen=True)
class Check:
    """One rule of a suite and the steps that test it.

    ``run`` gets the suite's context and yields findings; a check that yields none passes.
    ``setup`` and ``teardown`` (optional) get the same context, around ``run``.
    """

    id: str
    title: str
    rule: str
    reference: str
    severity: Severity
    run: CheckFunction
    setup: Callable[[Any], None] | None = None
    teardown: Callable[[Any], None] | None = None


def _no_context(target: Target) -> Any:
    return target


@dataclass
class Suite:
    """A named list of checks and the factory of the context they share.

    ``context_factory(target)`` builds the context once per run; it raises
    :class:`~contract_tests.target.TargetError` when the target cannot be used.
    ``secret_url`` says the target's URL is itself a credential (a calendar feed's
    ``/calendar/<token>.ics``): the reports mask its last path segment.
    """

    name: str
    title: str = ""
    description: str = ""
    checks: list[Check] = field(default_factory=list)
    context_factory: Callable[[Target], Any] = _no_context
    secret_url: bool = False

    def add(self, check: Check) -> Check:
        """Register a check; ids are unique within a suite."""
        if any(existing.id == check.id for existing in self.checks):
            raise ValueError(f"suite {self.name} already has a check {check.id}")
        self.checks.append(check)
        return check

    def check(
        self,
        id: str,  # noqa: A002 - the name of the field it fills
        *,
        title: str,
        rule: str,
        reference: str,
        severity: Severity = Severity.ERROR,
        setup: Callable[[Any], None] | None = None,
        teardown: Callable[[Any], None] | None = None,
    ) -> Callable[[_F], _F]:
        """Decorator registering ``f(ctx) -> Iterable[Finding]`` as a check of this suite."""

        def register(function: _F) -> _F:
            self.add(Check(id=id, title=title, rule=rule, reference=reference,
                           severity=severity, run=function, setup=setup, teardown=teardown))
            return function

        return register

    def get(self, check_id: str) -> Check:
        """The check with this id.

        Raises:
            KeyError: the suite has no such check.
        """
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(check_id)
