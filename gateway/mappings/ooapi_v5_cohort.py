"""One OOAPI v5 program offering -> a canonical :class:`Cohort` (mbo profile).

Where each cohort fact comes from (pointers relative to the offering):

====================  ===============================================================
code                  ``consumers[nl-test-admin].cohort`` (e.g. ``2027-2028``), required
status                ``consumers[rio].registrationStatus`` open/closed, else closed
                      when ``consumers[nl-test-admin].offeringState`` is ``canceled``
application window    ``enrollStartDate`` (required) .. ``enrollEndDate``
start                 ``flexibleEntryPeriodStart``/``End`` (flexible intake), else
                      ``startDate``; ``end_date`` from ``endDate``
consent               ``consumers[rio].requiredPermissionRegistration`` == ``yes``,
                      ``explanationRequiredPermission``
capacity, price       ``maxNumberStudents``; ``priceInformation`` (``total costs`` first)
mode_of_delivery      ``consumers[rio].modeOfDelivery``, else the offering's, else the
                      program's ``modeOfDelivery`` (first term)
====================  ===============================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from uuid import UUID

import pydantic

from gateway.domain import Cohort, Entity, SourceRef
from gateway.domain.catalogue import CohortStatus
from gateway.mappings.ooapi_v5_facts import consumer_entry, iso_date, skip

__all__ = ["cohort_of", "create"]

E = TypeVar("E", bound=Entity)

#: A canonical rule broken across fields (loc is empty) -> the canonical field to blame.
_RULES = (("application_end", "application_end"), ("before applications open",
          "application_start"), ("cohort end_date", "end_date"), ("flexible intake end",
          "flexible_intake"), ("either a fixed start_date", "start_date"),
          ("valid_until", "valid_until"))


def create(cls: type[E], at: str, fields_at: Mapping[str, str], **values: Any) -> E:
    """``cls.create(**values)``; a validation failure points at the field's source.

    Args:
        cls: the entity class.
        at: pointer of the source document, blamed when no field is known.
        fields_at: canonical field name -> pointer of where it came from.
        **values: the arguments of ``Entity.create``.

    Raises:
        SkippableRecordError: the values break a canonical rule.
    """
    try:
        entity: E = cls.create(**values)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        if not field:
            field = next((f for phrase, f in _RULES if phrase in error["msg"]), "")
        raise skip(f"{cls.kind} {field or 'rule'}: {error['msg']}",
                   fields_at.get(field, at)) from exc
    return entity


def _capacity(offering: Mapping[str, Any], at: str) -> int | None:
    value = offering.get("maxNumberStudents")
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or value != int(value):
        raise skip("maxNumberStudents is not a whole number", f"{at}/maxNumberStudents")
    return int(value)


def _price(offering: Mapping[str, Any], at: str) -> dict[str, Any] | None:
    costs = offering.get("priceInformation")
    if not isinstance(costs, list) or not costs:
        return None
    index = next((i for i, c in enumerate(costs)
                  if isinstance(c, Mapping) and c.get("costType") == "total costs"), 0)
    cost = costs[index]
    if not isinstance(cost, Mapping) or cost.get("amount") is None:
        return None
    try:
        amount = Decimal(str(cost["amount"]))
    except InvalidOperation:
        raise skip("amount is not a number", f"{at}/priceInformation/{index}/amount") from None
    return {"amount": amount, "currency": str(cost.get("currency") or "EUR")}


def _first_mode(*sources: Any) -> str | None:
    for modes in sources:
        if isinstance(modes, list) and modes and isinstance(modes[0], str):
            return modes[0]
    return None


def cohort_of(
    tenant: str, system: str, offering: Mapping[str, Any], at: str,
    program: Mapping[str, Any], offering_id: UUID,
) -> Cohort:
    """Map one program offering (at pointer ``at``) to a cohort of ``offering_id``.

    Raises:
        SkippableRecordError: a fact is missing or breaks a canonical rule.
    """
    ident = offering.get("offeringId")
    if not isinstance(ident, str) or not ident:
        raise skip("offeringId is missing", f"{at}/offeringId")
    if offering.get("offeringType") != "program":
        raise skip("not a program offering", f"{at}/offeringType")
    test_admin = consumer_entry(offering, "nl-test-admin", at)
    rio = consumer_entry(offering, "rio", at)
    admin_entry, admin_at = test_admin if test_admin else ({}, f"{at}/consumers")
    rio_entry = rio[0] if rio else {}
    code = admin_entry.get("cohort")
    if not isinstance(code, str) or not code.strip():
        raise skip("no cohort: the offering's nl-test-admin consumer has no 'cohort'",
                   f"{admin_at}/cohort" if test_admin else admin_at)
    status = rio_entry.get("registrationStatus")
    if status not in ("open", "closed"):
        status = "closed" if admin_entry.get("offeringState") == "canceled" else "open"
    flexible_start = iso_date(offering, "flexibleEntryPeriodStart", at)
    flexible = None
    if flexible_start is not None:
        flexible = {"start": flexible_start,
                    "end": iso_date(offering, "flexibleEntryPeriodEnd", at, required=True)}
    rio_at = rio[1] if rio else f"{at}/consumers"
    return create(
        Cohort, at,
        {"code": f"{admin_at}/cohort", "application_start": f"{at}/enrollStartDate",
         "application_end": f"{at}/enrollEndDate", "start_date": f"{at}/startDate",
         "end_date": f"{at}/endDate", "flexible_intake": f"{at}/flexibleEntryPeriodEnd",
         "capacity": f"{at}/maxNumberStudents", "price": f"{at}/priceInformation",
         "consent_explanation": f"{rio_at}/explanationRequiredPermission",
         "mode_of_delivery": f"{at}/modeOfDelivery"},
        tenant=tenant, source=SourceRef(system=system, id=ident),
        offering_id=offering_id, code=code.strip(), status=CohortStatus(status),
        application_start=iso_date(offering, "enrollStartDate", at, required=True),
        application_end=iso_date(offering, "enrollEndDate", at),
        start_date=None if flexible else iso_date(offering, "startDate", at, required=True),
        flexible_intake=flexible,
        end_date=iso_date(offering, "endDate", at),
        consent_required=rio_entry.get("requiredPermissionRegistration") == "yes",
        consent_explanation=rio_entry.get("explanationRequiredPermission") or None,
        capacity=_capacity(offering, at),
        price=_price(offering, at),
        mode_of_delivery=_first_mode(rio_entry.get("modeOfDelivery"),
                                     offering.get("modeOfDelivery"),
                                     program.get("modeOfDelivery")),
    )
