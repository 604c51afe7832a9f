"""Reading persons: the live ``Person`` entity and, apart from it, its personal data.

:class:`~gateway.store.persons.PersonStore` writes and inherits these reads. The
``person_data`` row's ``data`` column holds
``{"personalData": {...}, "documents": {<profile>: {...}}}``; only these reads and the
person writes know that shape. Callers of the personal data audit each read.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select

from gateway.domain import Person, PersonalData
from gateway.errors import NotFoundError
from gateway.store.entities import EntityStore
from gateway.store.tables import person_data

__all__ = ["PersonReads"]


class PersonReads:
    """Reads of persons and their personal data.

    Args:
        store: the entity store; its engine holds ``person_data`` too.
    """

    def __init__(self, store: EntityStore) -> None:
        self.store = store
        self.engine = store.engine

    def get(self, tenant: str, person_id: UUID) -> Person:
        """The live ``Person`` entity.

        Raises:
            NotFoundError: unknown or erased.
        """
        stored = self.store.get(tenant, person_id)
        if stored.kind != Person.kind:
            raise NotFoundError(f"no person {person_id}")
        entity = stored.entity()
        assert isinstance(entity, Person)  # noqa: S101 - kind checked above
        return entity

    def _payload_of(self, tenant: str, person_id: UUID) -> dict[str, Any]:
        with self.engine.connect() as conn:
            data = conn.execute(select(person_data.c.data).where(
                person_data.c.tenant == tenant,
                person_data.c.person_id == str(person_id))).scalar_one_or_none()
        if data is None:
            raise NotFoundError(f"no personal data of person {person_id}")
        return dict(data)

    def get_personal_data(self, tenant: str, person_id: UUID) -> PersonalData:
        """The person's personal data.

        Raises:
            NotFoundError: unknown person, or erased.
        """
        return PersonalData.model_validate(self._payload_of(tenant, person_id)["personalData"])

    def get_document(self, tenant: str, person_id: UUID, profile: str) -> dict[str, Any] | None:
        """The person's source document of ``profile`` (personal data), None if there is none.

        Raises:
            NotFoundError: unknown person, or erased.
        """
        document = self._payload_of(tenant, person_id).get("documents", {}).get(profile)
        return dict(document) if document is not None else None
