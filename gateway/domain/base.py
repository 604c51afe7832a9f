"""The base of every canonical entity: identity, tenant, provenance, and its event names."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from gateway.domain.ids import entity_id
from gateway.domain.values import TenantId

__all__ = ["Domain", "Entity", "SourceRef", "content_hash"]


class Domain(StrEnum):
    """The event domains; each has its own topic per tenant."""

    CATALOGUE = "catalogue"
    ENROLMENT = "enrolment"
    TIMETABLE = "timetable"
    PERSON = "person"


class SourceRef(BaseModel):
    """Where a record came from: the system (as configured) and its own id there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    system: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    id: str = Field(min_length=1, max_length=256)


class Entity(BaseModel):
    """A canonical entity. Subclasses set ``kind`` and ``domain``.

    Build one with :meth:`create`, which derives the id from its source::

        offering = ProgrammeOffering.create(tenant="roc-a", source=SourceRef(...), ...)
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    kind: ClassVar[str]
    domain: ClassVar[Domain]
    #: Short plain-English description, used in the event schemas.
    summary: ClassVar[str] = ""

    id: UUID
    tenant: TenantId
    source: SourceRef

    @classmethod
    def create(cls, *, tenant: str, source: SourceRef, **fields: Any) -> Any:
        """Validate ``fields`` into an entity whose id is derived from ``source``."""
        ident = entity_id(tenant, source.system, cls.kind, source.id)
        return cls.model_validate({"id": ident, "tenant": tenant, "source": source, **fields})

    def snapshot(self) -> dict[str, Any]:
        """The JSON-ready canonical state, as stored and published."""
        return self.model_dump(mode="json")


def content_hash(state: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of a state (sorted keys, no whitespace)."""
    blob = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
