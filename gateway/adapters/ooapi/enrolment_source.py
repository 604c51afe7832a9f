"""Persons and their associations from an SIS's OOAPI v5 endpoint, each item schema-checked.

Reads, page by page (a page in memory at a time):

- ``/persons`` -> ``person`` items, each validated against the official ``Person``;
- ``/offerings`` (every offering, ``since`` far in the past) -> the offering ids, then per
  offering ``/offerings/{offeringId}/associations`` -> ``association`` items: programme
  offering associations (in mbo the enrolment, the "opleidingsblad"), course and
  component offering associations;
- or per person ``/persons/{personId}`` and ``/persons/{personId}/associations``.

Associations are validated by their type (:mod:`.association_checks`) and come out in
one shape whatever operation served them, the shape of the mbo profile's ``PUT
/associations/{associationId}``: ``person`` and ``offering`` as ids. An item that fails
its schema comes out as :class:`Rejected` with its raw payload, its errors and, when it
has one, its id (``SourceItem.source_id``), so a sync can spare what it stands for.

Raw payloads hold personal data: they go to the quarantine (operator-visible storage
behind the API) and nowhere else; errors (:class:`SchemaError`) never quote values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from gateway.adapters.ooapi.association_checks import AssociationChecks
from gateway.adapters.ooapi.catalogue_source import ALL_OFFERINGS_SINCE, Rejected
from gateway.adapters.ooapi.client import OoapiClient, resource_path
from gateway.adapters.ooapi.codec import OoapiSchemas
from gateway.adapters.ooapi.schema_errors import SchemaError
from gateway.errors import FatalUpstreamError, UpstreamError

__all__ = ["ASSOCIATION", "PERSON", "OfferingSummary", "OoapiEnrolmentSource", "Rejected",
           "SourceItem", "is_not_found"]

PERSON = "person"
ASSOCIATION = "association"
_ID_FIELDS = {PERSON: "personId", ASSOCIATION: "associationId"}


@dataclass(frozen=True)
class OfferingSummary:
    """What an association needs of its offering: what it is, what it is of, when."""

    offering_id: str
    #: ``program``, ``course`` or ``component``.
    offering_type: str
    #: The id of its program, course or component (None when not given).
    parent_id: str | None
    start: date | None
    end: date | None

    @classmethod
    def of(cls, offering: dict[str, Any]) -> OfferingSummary | None:
        """The summary of an offering document, or None when it has no id."""
        ident = offering.get("offeringId")
        if not isinstance(ident, str) or not ident:
            return None
        kind = str(offering.get("offeringType") or "")
        parent = offering.get(kind) if kind in ("program", "course", "component") else None
        if isinstance(parent, dict):
            parent = parent.get(f"{kind}Id")
        return cls(ident, kind, parent if isinstance(parent, str) else None,
                   _day(offering.get("startDate") or offering.get("startDateTime")),
                   _day(offering.get("endDate") or offering.get("endDateTime")))


@dataclass(frozen=True)
class SourceItem:
    """One person or association as read: ``document`` when valid, else ``rejected``."""

    #: ``person`` or ``association``.
    kind: str
    #: The item's id at the source (``personId``, ``associationId``), None when it has none.
    source_id: str | None
    document: dict[str, Any] | None = None
    rejected: Rejected | None = None
    #: An association's offering, when the operation that served it told.
    offering: OfferingSummary | None = None


def _source_id(kind: str, item: Any) -> str | None:
    ident = item.get(_ID_FIELDS[kind]) if isinstance(item, dict) else None
    return ident if isinstance(ident, str) and ident else None


class OoapiEnrolmentSource:
    """Streams the persons and associations of one endpoint (see the module docstring).

    Example::

        source = OoapiEnrolmentSource(client, ooapi_schemas(standards))
        for page in source.persons():
            for item in page:
                ...  # item.document (valid) or item.rejected (quarantine it)

    Args:
        client: the endpoint's client (paging, retries, OAuth2).
        schemas: the official OOAPI schemas.
    """

    def __init__(self, client: OoapiClient, schemas: OoapiSchemas) -> None:
        self.client = client
        self.schemas = schemas
        self.checks = AssociationChecks(schemas)
        #: Persons and associations read so far, valid or not.
        self.fetched = 0

    # -- persons --------------------------------------------------------------------------
    def persons(self) -> Iterator[list[SourceItem]]:
        """Every person of ``/persons``, a page at a time."""
        for page in self.client.pages("/persons"):
            yield [self._person(item) for item in page.items]

    def person(self, person_id: str) -> SourceItem:
        """``/persons/{personId}``.

        Raises:
            FatalUpstreamError: the SIS does not know the person (404) or refuses.
        """
        return self._person(self.client.get(resource_path("persons", person_id)))

    def _person(self, item: Any) -> SourceItem:
        self.fetched += 1
        ident = _source_id(PERSON, item)
        errors = self.schemas.validate("Person", item)
        if errors:
            return SourceItem(PERSON, ident, rejected=Rejected("Person", item, errors, None,
                                                               PERSON))
        return SourceItem(PERSON, ident, document=dict(item))

    # -- associations ---------------------------------------------------------------------
    def offerings(self, *, ending_from: date | None = None) -> list[OfferingSummary]:
        """Every offering the endpoint lists (programme, course and component), in short.

        Args:
            ending_from: leave out offerings whose end lies before this day.

        Raises:
            FatalUpstreamError: an offering without an id (its associations could not be
                asked for; a sync must not take their absence for deletions).
        """
        found: list[OfferingSummary] = []
        params = {"since": ALL_OFFERINGS_SINCE.isoformat()}
        for offering in self.client.items("/offerings", params):
            summary = OfferingSummary.of(offering) if isinstance(offering, dict) else None
            if summary is None:
                raise FatalUpstreamError("GET /offerings: an offering without an offeringId")
            if ending_from is None or summary.end is None or summary.end >= ending_from:
                found.append(summary)
        return found

    def offering_associations(self, offering: OfferingSummary) -> Iterator[list[SourceItem]]:
        """The associations of one offering, a page at a time."""
        path = resource_path("offerings", offering.offering_id, "associations")
        for page in self.client.pages(path):
            items = []
            for item in page.items:
                self.fetched += 1
                person = _id_of(item.get("person") if isinstance(item, dict) else None,
                                "personId")
                items.append(self._association(item, self.checks.under_offering(item),
                                               person, offering.offering_id, offering))
            yield items

    def person_associations(self, person_id: str) -> Iterator[list[SourceItem]]:
        """The associations of one person, a page at a time (their offerings expanded)."""
        path = resource_path("persons", person_id, "associations")
        for page in self.client.pages(path):
            items = []
            for item in page.items:
                self.fetched += 1
                expanded = item.get("offering") if isinstance(item, dict) else None
                summary = OfferingSummary.of(expanded) if isinstance(expanded, dict) else None
                items.append(self._association(item, self.checks.under_person(item),
                                               person_id,
                                               summary.offering_id if summary else None,
                                               summary))
            yield items

    def _association(self, item: Any, errors: list[SchemaError], person: Any,
                     offering_id: str | None, offering: OfferingSummary | None) -> SourceItem:
        ident = _source_id(ASSOCIATION, item)
        if errors:
            return SourceItem(ASSOCIATION, ident, offering=offering,
                              rejected=Rejected("Association", item, errors, None, ASSOCIATION))
        return SourceItem(ASSOCIATION, ident, offering=offering,
                          document=_normalised(item, person=person, offering=offering_id))


def _id_of(value: Any, field: str) -> Any:
    return value.get(field) if isinstance(value, dict) else value


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def _normalised(doc: dict[str, Any], *, person: Any, offering: Any) -> dict[str, Any]:
    """The association as the mbo profile's PUT carries it: person and offering as ids."""
    return {**doc, "person": person, "offering": offering}


def is_not_found(error: UpstreamError) -> bool:
    """Whether an upstream error is the SIS's 404 (a person it does not know)."""
    return error.context.get("status") == 404
