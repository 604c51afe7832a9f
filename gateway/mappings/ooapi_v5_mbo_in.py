"""mbo profile documents (what an SIS PUTs) -> canonical entities. Pure functions.

What becomes what (the receiving side: :mod:`gateway.sync.mbo_receiver`):

- ``Person`` -> :class:`~gateway.domain.Person` (ids: the canonical id, the ECK iD from
  ``otherCodes`` ``eckid`` when it is one, ``https://ketenid.nl/...``) and, kept apart,
  :class:`~gateway.domain.PersonalData` (names, birth date, e-mail, address);
- a component offering (an exam session, "zitting") -> :class:`TimetableActivity`: name
  as title, ``startDateTime``/``endDateTime``, the room's code (or the ``nl-test-admin``
  ``locationCode``) as room, ``cancelled`` when its ``offeringState`` is ``canceled``;
  an exam when its component is a ``test`` or it carries ``nl-test-admin`` data; its
  groups and staff as the canonical ids of the profile's group and person ids the caller
  found for it (neither is a property of a component offering: :mod:`.ooapi_v5_mbo_relations`
  says where each path finds them), kept even when the gateway does not know them;
- ``Group`` -> :class:`Group` (``class`` = klas, ``learning group`` = lesgroep, ``team`` =
  other; ``primaryCode.code`` as code);
- a ``MembershipItem`` -> :class:`Membership` (dates of ``startDateTime``/``endDateTime``
  as written, role, ``canceled`` = cancelled);
- an association -> an :class:`Enrolment` (a student's programme offering association:
  the enrolment, the "opleidingsblad") or a :class:`Participation` (course and component
  associations, e.g. an exam registration, and programme associations in other roles);
  its state through :mod:`.ooapi_v5_mbo_states`.

Ids: the canonical id of a profile resource is ``entity_id(tenant, "ooapi-v5-mbo", kind,
<the profile's id>)``; :func:`canonical_id` derives it, so a GET finds what a PUT stored.
Values the canonical model cannot hold are refused with a ``DomainRuleError`` that names
the place in the document and never quotes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

import pydantic

from gateway.domain import (
    Enrolment,
    Entity,
    Group,
    Membership,
    Participation,
    Person,
    PersonalData,
    SourceRef,
    TimetableActivity,
    entity_id,
)
from gateway.domain.enrolment import EnrolmentState, ParticipationKind, ParticipationRole
from gateway.errors import DomainRuleError

__all__ = [
    "SOURCE_SYSTEM",
    "OfferingRef",
    "activity_from",
    "association_from",
    "canonical_id",
    "consumer_entry",
    "group_from",
    "membership_from",
    "person_from",
    "text_of",
]

#: The source system of everything pushed through the profile.
SOURCE_SYSTEM = "ooapi-v5-mbo"
MBO_CONSUMER = "nl-test-admin"
_ECK = "https://ketenid.nl/"
_GROUP_KINDS = {"class": "class", "learning group": "teaching_group", "team": "other"}
_MEMBER_ROLES = {"lecturer": "teacher", "teaching assistant": "teaching_assistant"}
_LESSONS = frozenset({"lecture", "practical", "tutorial", "consultation", "project",
                      "workshop", "excursion", "independent study", "skills training"})

E = TypeVar("E", bound=Entity)


def canonical_id(tenant: str, kind: str, profile_id: str | UUID) -> UUID:
    """The canonical id of a profile resource (``kind``: ``person``, ``group``, ...)."""
    return entity_id(tenant, SOURCE_SYSTEM, kind, str(UUID(str(profile_id))))


def _source(profile_id: str | UUID) -> SourceRef:
    return SourceRef(system=SOURCE_SYSTEM, id=str(UUID(str(profile_id))))


def _build(cls: type[E], tenant: str, source: SourceRef, where: Mapping[str, str],
           **fields: Any) -> E:
    """``cls.create(...)``, its validation errors as a DomainRuleError located in the
    document (``where`` maps canonical fields to JSON Pointers) and without values."""
    try:
        entity: E = cls.create(tenant=tenant, source=source, **fields)
    except pydantic.ValidationError as exc:
        raise _domain_error(exc, where) from None
    return entity


def _domain_error(exc: pydantic.ValidationError, where: Mapping[str, str]) -> DomainRuleError:
    errors = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        errors.append({"path": where.get(field, ""),
                       "message": f"{field or 'value'}: {error['msg']}"[:300]})
    first = errors[0]
    return DomainRuleError(f"{first['path'] or '/'}: {first['message']}",
                           path=first["path"], errors=errors)


def text_of(strings: Any) -> str | None:
    """The Dutch value of a ``LanguageTypedString`` list, else the first one."""
    if not isinstance(strings, list):
        return None
    values = [s for s in strings if isinstance(s, Mapping) and s.get("value")]
    dutch = [s for s in values if str(s.get("language", "")).lower().startswith("nl")]
    chosen = dutch or values
    return str(chosen[0]["value"]) if chosen else None


def consumer_entry(document: Mapping[str, Any], key: str = MBO_CONSUMER) -> dict[str, Any]:
    """The document's ``consumers`` entry of ``key`` (empty when it has none)."""
    for entry in document.get("consumers") or []:
        if isinstance(entry, Mapping) and entry.get("consumerKey") == key:
            return dict(entry)
    return {}


def _code(codes: Iterable[Any], code_type: str) -> str | None:
    for entry in codes:
        if isinstance(entry, Mapping) and entry.get("codeType") == code_type:
            return str(entry.get("code"))
    return None


def _day(value: Any) -> date | None:
    """The date of a ``date`` or ``date-time`` value as written (its own offset)."""
    if not isinstance(value, str):
        return None
    return datetime.fromisoformat(value.upper().replace("Z", "+00:00")).date() \
        if "T" in value.upper() else date.fromisoformat(value)


def person_from(tenant: str, document: Mapping[str, Any]) -> tuple[Person, PersonalData]:
    """The canonical person and its personal data (validated documents only)."""
    eck = _code(document.get("otherCodes") or [], "eckid")
    person = _build(Person, tenant, _source(document["personId"]), {"eck_id": "/otherCodes"},
                    eck_id=eck if eck and eck.startswith(_ECK) else None)
    address = document.get("address") or {}
    street = " ".join(str(p) for p in (address.get("street"), address.get("streetNumber")) if p)
    country = str(address.get("countryCode") or "").upper()
    fields = {
        "given_name": document.get("givenName"), "family_name_prefix":
        document.get("surnamePrefix"), "family_name": document.get("surname"),
        "birth_date": document.get("dateOfBirth"), "email": document.get("mail"),
        "street_address": street or None, "postal_code": address.get("postalCode"),
        "locality": address.get("city"),
        "country": country if len(country) == 2 and country.isalpha() else None,
    }
    where = {"given_name": "/givenName", "family_name_prefix": "/surnamePrefix",
             "family_name": "/surname", "birth_date": "/dateOfBirth", "email": "/mail",
             "street_address": "/address/street", "postal_code": "/address/postalCode",
             "locality": "/address/city", "country": "/address/countryCode"}
    try:
        data = PersonalData.model_validate(fields)
    except pydantic.ValidationError as exc:
        raise _domain_error(exc, where) from None
    return person, data


def _references(tenant: str, kind: str, profile_ids: Iterable[str]) -> tuple[UUID, ...]:
    """Canonical ids of referenced profile resources: each once, in a stable order (the
    content hash must not change when an SIS lists them in another order)."""
    return tuple(sorted({canonical_id(tenant, kind, ref) for ref in profile_ids}, key=str))


def activity_from(tenant: str, document: Mapping[str, Any], *, groups: Iterable[str] = (),
                  staff: Iterable[str] = ()) -> TimetableActivity:
    """A component offering as a timetable activity (see the module docstring).

    Args:
        tenant: the tenant.
        document: the validated component offering.
        groups: the profile's ids (UUIDs) of its groups.
        staff: the profile's ids (UUIDs) of the persons who staff it.
    """
    entry = consumer_entry(document)
    component = document.get("component")
    component_type = component.get("componentType") if isinstance(component, Mapping) else None
    if component_type == "test" or (component_type is None and entry):
        kind = "exam"
    else:
        kind = "lesson" if component_type in _LESSONS else "other"
    room = document.get("room")
    rooms = ((room.get("primaryCode") or {}).get("code"),) if isinstance(room, Mapping) \
        else (entry.get("locationCode"),)
    return _build(
        TimetableActivity, tenant, _source(document["offeringId"]),
        {"title": "/name", "start": "/startDateTime", "end": "/endDateTime", "rooms": "/room"},
        activity_kind=kind, title=text_of(document.get("name")) or "",
        start=document["startDateTime"], end=document["endDateTime"],
        rooms=tuple(r for r in rooms if r), group_ids=_references(tenant, "group", groups),
        staff_ids=_references(tenant, "person", staff),
        status="cancelled" if entry.get("offeringState") == "canceled" else "scheduled")


def group_from(tenant: str, document: Mapping[str, Any]) -> Group:
    return _build(
        Group, tenant, _source(document["groupId"]),
        {"code": "/primaryCode/code", "name": "/name", "valid_until": "/endDate"},
        group_kind=_GROUP_KINDS[document["groupType"]],
        code=document["primaryCode"]["code"], name=text_of(document.get("name")) or "",
        valid_from=document.get("startDate"), valid_until=document.get("endDate"))


def membership_from(tenant: str, group_ref: str, document: Mapping[str, Any]) -> Membership:
    """A group member; its source id is ``<groupId>/<personId>``."""
    group, person = str(UUID(group_ref)), str(UUID(str(document["personId"])))
    role = str(document.get("role", "student"))
    return _build(
        Membership, tenant, SourceRef(system=SOURCE_SYSTEM, id=f"{group}/{person}"),
        {"end_date": "/endDateTime", "role": "/role"},
        group_id=canonical_id(tenant, "group", group),
        person_id=canonical_id(tenant, "person", person),
        role=_MEMBER_ROLES.get(role, role), start_date=_day(document.get("startDateTime")),
        end_date=_day(document.get("endDateTime")),
        state="cancelled" if document.get("state") == "canceled" else "active")


@dataclass(frozen=True)
class OfferingRef:
    """What an association's offering resolved to in the gateway."""

    kind: ParticipationKind
    offering_id: UUID
    cohort_id: UUID | None = None
    #: The start and end of the offering, for an association that gives none.
    start: date | None = None
    end: date | None = None


def association_from(
    tenant: str,
    document: Mapping[str, Any],
    offering: OfferingRef,
    state: EnrolmentState,
    *,
    application_id: UUID | None = None,
) -> Enrolment | Participation:
    """An association as an enrolment or a participation (see the module docstring).

    Args:
        tenant: the tenant.
        document: the validated association, with ``person`` and ``offering`` as ids.
        offering: what its offering resolved to.
        state: its canonical state (decided by :mod:`.ooapi_v5_mbo_states`).
        application_id: the application this enrolment follows, if any.

    Raises:
        DomainRuleError: an enrolment without a start date, or dates out of order.
    """
    entry = consumer_entry(document)
    person_id = canonical_id(tenant, "person", str(document["person"]))
    start = _day(entry.get("startDate")) or offering.start
    end = _day(entry.get("finalEndDate"))
    role = str(document.get("role", "student"))
    source = _source(document["associationId"])
    where = {"start_date": "/consumers", "end_date": "/consumers", "state": "/state"}
    if offering.kind is ParticipationKind.PROGRAMME and role == "student":
        if start is None:
            raise DomainRuleError(
                "an enrolment (a student's programOfferingAssociation) needs a start date: "
                "give startDate in the nl-test-admin consumer entry", path="/consumers")
        return _build(Enrolment, tenant, source, where, person_id=person_id,
                      offering_id=offering.offering_id, cohort_id=offering.cohort_id,
                      state=state, start_date=start, end_date=end,
                      application_id=application_id)
    programme = entry.get("programOfferingAssociationId")
    attempt = entry.get("attempt")
    return _build(
        Participation, tenant, source, {**where, "attempt": "/consumers"},
        person_id=person_id, offering_id=offering.offering_id, offering_kind=offering.kind,
        role=ParticipationRole(role.replace(" ", "_")), state=state, start_date=start,
        end_date=end, attempt=attempt if isinstance(attempt, int) and attempt >= 1 else None,
        enrolment_id=canonical_id(tenant, "enrolment", programme) if programme else None)
