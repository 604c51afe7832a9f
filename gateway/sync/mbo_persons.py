"""``PUT``/``GET /persons/{personId}`` of the mbo profile: a person and its personal data.

The canonical ``Person`` (ids only) and the personal data with the profile's document go
through :class:`~gateway.store.persons.PersonStore`, together. Changed personal data
alone raises the person's ``personal_data_version``: one ``person.upserted`` event with
ids only. A repeated PUT writes nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from gateway.errors import NotFoundError
from gateway.mappings.ooapi_v5_mbo_in import SOURCE_SYSTEM, canonical_id, person_from
from gateway.mappings.ooapi_v5_mbo_out import with_id
from gateway.sync.mbo_receiver import MboReceiver, Written

__all__ = ["PERSON_PATH", "get_person", "person_exists", "put_person"]

PERSON_PATH = "/persons/{personId}"


def put_person(receiver: MboReceiver, tenant: str, person_ref: UUID, body: Any) -> Written:
    """Store a person as the SIS sends it.

    Raises:
        OoapiValidationError: the body does not conform to the profile.
        ValidationError: its ``personId`` is not the one of the path.
        DomainRuleError: a value the canonical model cannot hold.
    """
    document = receiver.checked(PERSON_PATH, "put", body, id_key="personId", id_value=person_ref)
    document["personId"] = str(person_ref)
    person, personal_data = person_from(tenant, document)
    written = receiver.persons.upsert(person, personal_data,
                                      documents={SOURCE_SYSTEM: document})
    return Written(created=written.created,
                   changed=written.changed or written.personal_data_changed,
                   events=len(written.events))


def person_exists(receiver: MboReceiver, tenant: str, person_ref: UUID) -> bool:
    """Whether the tenant has this (not erased) person."""
    try:
        receiver.persons.get(tenant, canonical_id(tenant, "person", person_ref))
    except NotFoundError:
        return False
    return True


def get_person(receiver: MboReceiver, tenant: str, person_ref: UUID) -> dict[str, Any]:
    """The person as last PUT (personal data: callers audit this read).

    Raises:
        NotFoundError: unknown or erased.
    """
    ident = canonical_id(tenant, "person", person_ref)
    receiver.persons.get(tenant, ident)
    document = receiver.persons.get_document(tenant, ident, SOURCE_SYSTEM)
    if document is None:
        raise NotFoundError(f"person {person_ref} has no mbo profile document")
    return with_id(document, "personId", str(person_ref))
