"""The groups and staff of one component offering, read from an SIS's OOAPI v5 endpoint.

OOAPI v5 gives them only in lists under the offering
(:mod:`gateway.mappings.ooapi_v5_mbo_relations`): no ``expand`` of an offering and no list
under a group names them. So a pull reads, per component offering it writes, through the
same client (its paging, retries, OAuth2 and page cap):

- ``/offerings/{offeringId}/groups``: the ``groupId`` of each ``Group`` item (the group
  itself is read, checked and mapped from ``/groups``);
- ``/offerings/{offeringId}/associations?associationType=componentOffering``: the person
  of each association with a staff role (one list for every staff role: the ``role``
  filter takes one value, and a server that ignores filters is checked item by item).

What bounds the extra requests: one read of each list per offering, one after the other
(never concurrent), only for offerings the run writes (inside its window, valid); and an
SIS that does not offer a list (its first read answers 404 or 405; both are optional in
OOAPI, the mbo profile has no ``/groups`` under an offering) is not asked again that run.
A later 404 means the offering went away after it was listed: :attr:`OfferingRelations.found`
is False and the pull leaves that offering as it was. An item whose reference is no UUID
comes out in :attr:`OfferingRelations.rejected`, to be quarantined.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from gateway.adapters.ooapi.client import OoapiClient, Params, resource_path
from gateway.errors import FatalUpstreamError
from gateway.mappings.ooapi_v5_mbo_relations import group_ref, is_staff, person_ref

__all__ = ["BadReference", "OfferingRelationReader", "OfferingRelations"]

GROUPS, ASSOCIATIONS = "groups", "associations"
_NOT_OFFERED = (404, 405)


@dataclass(frozen=True)
class BadReference:
    """A relation item that names no usable group or person (no values in ``reason``)."""

    schema: str
    raw: Any
    reason: str
    pointer: str


@dataclass(frozen=True)
class OfferingRelations:
    """What one offering's lists said: group and staff person ids, in the SIS's order."""

    groups: tuple[str, ...] = ()
    staff: tuple[str, ...] = ()
    rejected: tuple[BadReference, ...] = ()
    #: False when the offering was gone by the time its lists were read.
    found: bool = True


@dataclass
class OfferingRelationReader:
    """Reads the relation lists of component offerings (see the module docstring).

    Example::

        reader = OfferingRelationReader(client)
        relations = reader.read(offering_id)
        relations.groups, relations.staff

    Args:
        client: the endpoint's client.
    """

    client: OoapiClient
    #: Per list: None until first read, then whether the SIS offers it.
    offered: dict[str, bool | None] = field(
        default_factory=lambda: {GROUPS: None, ASSOCIATIONS: None})
    #: Pages requested, and items read, from these lists.
    pages: int = 0
    fetched: int = 0

    def read(self, offering_id: str) -> OfferingRelations:
        """The groups and staff of one offering (nothing for a list not offered).

        Raises:
            UpstreamError: a list failed after the client's retries (other than 404/405).
        """
        groups: dict[str, None] = {}
        staff: dict[str, None] = {}
        rejected: list[BadReference] = []
        found = True
        for item in self._items(offering_id, GROUPS, {}):
            if item is None:
                found = False
                continue
            ref = group_ref(item)
            if ref is None:
                rejected.append(BadReference("Group", item, "groupId: not a UUID", "/groupId"))
            else:
                groups[ref] = None
        params = {"associationType": "componentOffering"}
        for item in self._items(offering_id, ASSOCIATIONS, params):
            if item is None:
                found = False
            elif is_staff(item):
                ref = person_ref(item)
                if ref is None:
                    rejected.append(BadReference("Association", item,
                                                 "person: not a personId (a UUID)", "/person"))
                else:
                    staff[ref] = None
        return OfferingRelations(tuple(groups), tuple(staff), tuple(rejected), found)

    def _items(self, offering_id: str, relation: str, params: Params) -> Iterator[Any]:
        """The items of one list; a single None when the offering is gone."""
        if self.offered[relation] is False:
            return
        try:
            for page in self.client.pages(resource_path("offerings", offering_id, relation),
                                          params):
                self.pages += 1
                self.fetched += len(page.items)
                yield from page.items
        except FatalUpstreamError as exc:
            status = exc.context.get("status")
            if status in _NOT_OFFERED and self.offered[relation] is None:
                self.offered[relation] = False
                return
            if status == 404:
                yield None
                return
            raise
        self.offered[relation] = True
