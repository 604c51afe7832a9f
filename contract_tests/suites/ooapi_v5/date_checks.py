"""Date sanity a schema cannot see: periods that end before they start, application
windows that open after the start."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from contract_tests.checks import Finding, NotApplicable
from contract_tests.http import Exchange
from contract_tests.suites.ooapi_v5.base import SPEC, suite
from contract_tests.suites.ooapi_v5.context import OoapiContext
from contract_tests.suites.ooapi_v5.support import Reporter, date_of, ident

#: (earlier, later) pairs that must not be reversed, with the rule's wording.
_OFFERING_ORDER = (
    ("startDate", "endDate", "an offering ends before it starts"),
    ("startDateTime", "endDateTime", "an offering ends before it starts"),
    ("enrollStartDate", "enrollEndDate", "the application window closes before it opens"),
    ("enrollStartDate", "startDate", "the application window opens after the start"),
    ("flexibleEntryPeriodStart", "flexibleEntryPeriodEnd",
     "the flexible entry period ends before it starts"),
)
_PERIOD_ORDER = (
    ("startDate", "endDate", "the period ends before it starts"),
    ("validFrom", "validTo", "validTo lies before validFrom"),
)


def _dated(document: dict[str, Any], pairs: tuple[tuple[str, str, str], ...]) -> bool:
    """Whether the document holds both dates of at least one pair (something to compare)."""
    return any(date_of(document, earlier) is not None and date_of(document, later) is not None
               for earlier, later, _ in pairs)


def _order(report: Reporter, exchange: Exchange, document: dict[str, Any], pointer: str,
           pairs: tuple[tuple[str, str, str], ...], what: str) -> Iterator[Finding]:
    for earlier, later, message in pairs:
        first, second = date_of(document, earlier), date_of(document, later)
        if first is not None and second is not None and second < first:
            yield report(f"{what}: {message} ({earlier} {first}, {later} {second})",
                         exchange, pointer=f"{pointer}/{later}",
                         value=document.get(later))


_OFFERINGS = "ooapi-v5.dates.offerings"


@suite.check(_OFFERINGS, title="An offering's dates are in order",
             rule="startDate <= endDate; enrollStartDate <= enrollEndDate; the application "
                  "window opens no later than the start; the flexible entry period is in order",
             reference=f"{SPEC} #/components/schemas/ProgramOffering, CourseOffering "
                       "(startDate, endDate, enrollStartDate, enrollEndDate, "
                       "flexibleEntryPeriodStart/End)")
def offering_dates(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_OFFERINGS)
    compared = False
    for origin, index, offering in ctx.sample_offerings():
        compared = compared or _dated(offering, _OFFERING_ORDER)
        yield from _order(report, origin, offering, f"/items/{index}", _OFFERING_ORDER,
                          f"offering {ident(offering, 'offeringId')}")
    if not compared:
        raise NotApplicable("no sampled offering holds a pair of dates to compare")


_PERIODS = "ooapi-v5.dates.periods"


@suite.check(_PERIODS, title="Academic sessions and validity periods are in order",
             rule="An academic session's or group's startDate <= endDate; a program's, "
                  "course's or specification's validFrom <= validTo",
             reference=f"{SPEC} #/components/schemas/AcademicSession, Program, Course, "
                       "EducationSpecification, Group")
def periods(ctx: OoapiContext) -> Iterable[Finding]:
    report = Reporter(_PERIODS)
    compared = False
    for collection in ctx.offered():
        if collection.path == "/offerings":
            continue
        exchange = ctx.first_page(collection)
        for index, item in enumerate(ctx.items(exchange)):
            compared = compared or _dated(item, _PERIOD_ORDER)
            yield from _order(report, exchange, item, f"/items/{index}", _PERIOD_ORDER,
                              f"{collection.id_key} {ident(item, collection.id_key)}")
    if not compared:
        raise NotApplicable("no item of the first pages holds startDate and endDate or "
                            "validFrom and validTo to compare")
