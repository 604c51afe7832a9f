"""The receiving side of the mbo profile: what an SIS PUTs and PATCHes, checked and stored.

Each push goes the same way: the body is validated against the profile
(:mod:`gateway.adapters.ooapi.mbo_profile`; every error with its location, nothing
stored), mapped to canonical entities (:mod:`gateway.mappings.ooapi_v5_mbo_in`), and
stored in ONE transaction with its profile document (:mod:`gateway.store.mbo_documents`,
persons in ``person_data``); the entity store writes an event only when the canonical
state changed, and the document store writes only a changed document, so a PUT that
repeats the stored state writes nothing and emits nothing. A PATCH is a JSON merge patch
(RFC 7386) of the stored document: the patch is validated as the profile's PATCH body
(without its ``null`` members, which delete rather than give a value), and the patched
document again as a PUT body.

The use cases, one module per resource: :mod:`.mbo_persons`, :mod:`.mbo_offerings`
(component offerings), :mod:`.mbo_groups` (groups and members), :mod:`.mbo_associations`.
They all take the :class:`MboReceiver` of the gateway::

    receiver = MboReceiver(gateway.store, mbo_profile(Standards(settings.standards_dir)))
    written = put_person(receiver, "roc-a", person_ref, document)   # Written(created=...)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from gateway.adapters.ooapi.errors import OoapiValidationError
from gateway.adapters.ooapi.mbo_profile import MboProfile
from gateway.errors import ConflictError, ValidationError
from gateway.store.engine import write_transaction
from gateway.store.entities import ApplyResult, EntityStore
from gateway.store.mbo_documents import MboDocuments
from gateway.store.persons import PersonStore

__all__ = ["MboReceiver", "Written", "merge_patch", "without_nulls"]

T = TypeVar("T")


@dataclass(frozen=True)
class Written:
    """What a PUT did: ``created`` answers 201, else 200; ``changed``: a row was written."""

    created: bool
    changed: bool
    events: int = 0

    @classmethod
    def of(cls, result: ApplyResult, document_written: bool) -> Written:
        return cls(created=result.created > 0,
                   changed=bool(result.created or result.changed or document_written),
                   events=len(result.events))


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge, ``null`` removes, anything else replaces."""
    if not isinstance(patch, Mapping):
        return patch
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def without_nulls(patch: Any) -> Any:
    """A merge patch without its deletions (``null`` members), for schema validation."""
    if not isinstance(patch, Mapping):
        return patch
    return {key: without_nulls(value) for key, value in patch.items() if value is not None}


class MboReceiver:
    """What every use case of the receiving side needs.

    Args:
        store: the entity store (its engine holds the documents and persons too).
        profile: the profile's validators.
    """

    def __init__(self, store: EntityStore, profile: MboProfile) -> None:
        self.store = store
        self.engine = store.engine
        self.profile = profile
        self.documents = MboDocuments(store.engine)
        self.persons = PersonStore(store)

    def checked(
        self,
        path: str,
        method: str,
        document: Any,
        *,
        id_key: str | None = None,
        id_value: UUID | None = None,
    ) -> dict[str, Any]:
        """The body, after validation against the profile and its id against the path's.

        Raises:
            OoapiValidationError: the body does not conform (every error, located).
            ValidationError: the body's ``id_key`` differs from the id of the path.
        """
        checked = without_nulls(document) if method == "patch" else document
        errors = self.profile.validate_request(path, method, checked)
        if errors:
            raise OoapiValidationError(errors)
        given = document.get(id_key) if id_key is not None else None
        if given is not None and UUID(str(given)) != id_value:
            raise ValidationError(f"{id_key} differs from the id in the path",
                                  path=f"/{id_key}")
        return dict(document)

    def in_transaction(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one transaction; again when a concurrent writer inserted the
        same new row first (its second run sees that row).

        Raises:
            ConflictError: concurrent writers kept colliding.
        """
        for attempt in range(3):
            try:
                with write_transaction(self.engine) as conn:  # SQLite: write lock first
                    return work(conn)
            except IntegrityError as exc:
                if attempt == 2:
                    raise ConflictError("concurrent writers kept colliding") from exc
        raise AssertionError("unreachable")
