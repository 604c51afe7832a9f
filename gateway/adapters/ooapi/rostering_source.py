"""Groups, their members and component offerings from an SIS's OOAPI v5 endpoint, checked.

Reads, page by page (a page in memory at a time):

- ``/groups`` -> ``group`` items, each validated against the official ``Group``;
- per group its members: the mbo profile's ``/groups/{groupId}/members`` (``members``, the
  default: ``MembershipItem`` s with role, dates and state, validated as the profile's
  ``PUT /groups/{groupId}/members`` body, so a pulled member is what a pushed one is), or
  the official ``/groups/{groupId}/persons`` (``persons``: ``Person`` documents, for an SIS
  without the profile; a member is then its ``personId``, ``lecturer`` when the person is
  an ``employee``, else ``student``, without dates);
- ``/components`` -> every component (official ``Component``), kept by id: a component
  offering names its component by id, and its ``componentType`` (``test`` = an exam
  session) is what the mapping reads, so the offering comes out with it expanded, as
  ``GET /offerings/{offeringId}?expand=component`` would give it;
- ``/offerings?offeringType=component`` (the mbo profile's list; ``since`` as given) ->
  ``offering`` items validated against the official ``ComponentOffering``; items of
  another ``offeringType`` (a server that ignores the filter) are passed over;
- per component offering, its groups and staff (:meth:`OoapiRosteringSource.relations`,
  :mod:`.offering_relations`): OOAPI v5 lists them only under the offering.

An item that fails its schema comes out as :class:`Rejected` with its raw payload and its
errors (which never quote values), and its id when it has one. Member items carry the id
``<groupId>/<personId>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, Literal

from gateway.adapters.ooapi.catalogue_source import ALL_OFFERINGS_SINCE, Rejected
from gateway.adapters.ooapi.client import OoapiClient, resource_path
from gateway.adapters.ooapi.codec import OoapiSchemas
from gateway.adapters.ooapi.enrolment_source import SourceItem
from gateway.adapters.ooapi.mbo_profile import MboProfile
from gateway.adapters.ooapi.offering_relations import OfferingRelationReader, OfferingRelations

__all__ = ["GROUP", "MEMBER", "MEMBERS_PATH", "OFFERING", "MembersFrom", "OoapiRosteringSource"]

GROUP, MEMBER, OFFERING = "group", "member", "offering"
#: The mbo profile's member list and the operation whose body its items are.
MEMBERS_PATH = "/groups/{groupId}/members"
#: Where members are read: the mbo profile's list or the official one.
MembersFrom = Literal["members", "persons"]


def _text_id(item: Any, field: str) -> str | None:
    ident = item.get(field) if isinstance(item, dict) else None
    return ident if isinstance(ident, str) and ident else None


class OoapiRosteringSource:
    """Streams the groups, members and component offerings of one endpoint.

    Example::

        source = OoapiRosteringSource(client, ooapi_schemas(standards), mbo_profile(standards))
        for page in source.groups():
            for item in page:
                ...  # item.document (valid) or item.rejected (quarantine it)

    Args:
        client: the endpoint's client (paging, retries, OAuth2).
        schemas: the official OOAPI schemas.
        profile: the mbo profile (for the profile's member list).
        members_from: ``members`` (the profile's list) or ``persons`` (the official one).
    """

    def __init__(self, client: OoapiClient, schemas: OoapiSchemas, profile: MboProfile, *,
                 members_from: MembersFrom = "members") -> None:
        self.client = client
        self.schemas = schemas
        self.profile = profile
        self.members_from = members_from
        #: Items read so far, valid or not.
        self.fetched = 0
        self._relations = OfferingRelationReader(client)

    @property
    def relation_pages(self) -> int:
        """Pages requested of the offerings' group and association lists."""
        return self._relations.pages

    @property
    def relations_not_offered(self) -> list[str]:
        """The relation lists this SIS answered 404 or 405 for (not asked again)."""
        return sorted(k for k, offered in self._relations.offered.items() if offered is False)

    def relations(self, offering_id: str) -> OfferingRelations:
        """The groups and staff of one component offering (see :mod:`.offering_relations`).

        Raises:
            UpstreamError: a list failed after the client's retries.
        """
        before = self._relations.fetched
        try:
            return self._relations.read(offering_id)
        finally:
            self.fetched += self._relations.fetched - before

    def groups(self) -> Iterator[list[SourceItem]]:
        """Every group of ``/groups``, a page at a time."""
        for page in self.client.pages("/groups"):
            yield [self._checked(GROUP, "Group", item, _text_id(item, "groupId"))
                   for item in page.items]

    def members(self, group_id: str) -> Iterator[list[SourceItem]]:
        """The members of one group, a page at a time, as ``MembershipItem`` documents."""
        path = resource_path("groups", group_id, self.members_from)
        for page in self.client.pages(path):
            yield [self._member(group_id, item) for item in page.items]

    def _member(self, group_id: str, item: Any) -> SourceItem:
        self.fetched += 1
        person = _text_id(item, "personId")
        ident = f"{group_id}/{person}" if person else None
        if self.members_from == "persons":
            errors = self.schemas.validate("Person", item)
            schema = "Person"
        else:
            errors = self.profile.validate_request(MEMBERS_PATH, "put", item)
            schema = "MembershipItem"
        if errors:
            return SourceItem(MEMBER, ident, rejected=Rejected(schema, item, errors, None,
                                                               MEMBER))
        if self.members_from == "persons":
            employee = "employee" in (item.get("affiliations") or ())
            item = {"personId": person, "role": "lecturer" if employee else "student"}
        return SourceItem(MEMBER, ident, document=dict(item))

    def components(self) -> tuple[dict[str, dict[str, Any]], list[Rejected]]:
        """Every valid component of ``/components`` by id, and the ones that failed."""
        found: dict[str, dict[str, Any]] = {}
        rejected: list[Rejected] = []
        for item in self.client.items("/components"):
            self.fetched += 1
            errors = self.schemas.validate("Component", item)
            ident = _text_id(item, "componentId")
            if errors or ident is None:
                rejected.append(Rejected("Component", item, errors, None, "component"))
            else:
                found[ident] = item
        return found, rejected

    def offerings(self, components: dict[str, dict[str, Any]], *,
                  since: date | None = None) -> Iterator[list[SourceItem]]:
        """The component offerings starting from ``since`` (all when None), a page at a
        time, each with its component expanded when ``components`` holds it."""
        params = {"offeringType": "component",
                  "since": (since or ALL_OFFERINGS_SINCE).isoformat()}
        for page in self.client.pages("/offerings", params):
            items = []
            for item in page.items:
                if isinstance(item, dict) and item.get("offeringType") not in (None,
                                                                               "component"):
                    self.fetched += 1  # read, and not this pull's
                    continue
                expanded = components.get(str(item.get("component"))) \
                    if isinstance(item, dict) else None
                if expanded is not None:
                    item = {**item, "component": expanded}
                items.append(self._checked(OFFERING, "ComponentOffering", item,
                                           _text_id(item, "offeringId")))
            yield items

    def _checked(self, kind: str, schema: str, item: Any, ident: str | None) -> SourceItem:
        self.fetched += 1
        errors = self.schemas.validate(schema, item)
        if errors:
            return SourceItem(kind, ident, rejected=Rejected(schema, item, errors, None, kind))
        return SourceItem(kind, ident, document=dict(item))
