"""Validate OOAPI v5 associations against the official schemas, told apart by their type.

The spec answers associations as ``oneOf`` the program, course and component offering
association. Those three differ only in the schema of an optional ``result``, so an
association without a result matches all three and plain JSON Schema refuses every one of
them ("matches more than one of the oneOf alternatives"). ``associationType`` ("The type
of this association") is what tells them apart, as ``offeringType`` does for offerings
(:func:`gateway.adapters.ooapi.spec_document.discriminate_offerings`). So each check
reads ``associationType`` first and validates against the one official schema it names,
which also gives errors that say what is wrong instead of "matches none".

The three shapes, after the operations that answer them:

- :meth:`AssociationChecks.under_person`: an item of ``GET /persons/{personId}/associations``,
  the association with its offering expanded (``offering`` required);
- :meth:`AssociationChecks.under_offering`: an item of
  ``GET /offerings/{offeringId}/associations`` (``*OfferingAssociationExpandable``, whose
  ``person`` is a ``PersonId`` object);
- :meth:`AssociationChecks.on_its_own`: ``GET /associations/{associationId}``
  (``AssociationFull``: person and offering as an id or expanded).
"""

from __future__ import annotations

from typing import Any

from gateway.adapters.ooapi.codec import OoapiSchemas
from gateway.adapters.ooapi.schema_errors import SchemaError

__all__ = ["ASSOCIATION_TYPES", "AssociationChecks"]

#: ``associationType`` -> the prefix of its official schemas (``Program`` ...).
ASSOCIATION_TYPES = {"programOfferingAssociation": "Program",
                     "courseOfferingAssociation": "Course",
                     "componentOfferingAssociation": "Component"}
_SPEC = "ooapi-v5/ooapi.json#"
_PERSON_ITEMS = ("/paths/~1persons~1{personId}~1associations/get/responses/200/content/"
                 "application~1json/schema/allOf/1/properties/items/items/oneOf")


def _prefixed(errors: list[SchemaError], prefix: str) -> list[SchemaError]:
    return [SchemaError(prefix + e.pointer, e.schema_path, e.message) for e in errors]


class AssociationChecks:
    """The association checks of one set of official schemas (see the module docstring)."""

    def __init__(self, schemas: OoapiSchemas) -> None:
        self.schemas = schemas

    def _kind(self, item: Any) -> tuple[str | None, list[SchemaError]]:
        """The schema prefix of the item's type, or the errors that say why there is none."""
        kind = ASSOCIATION_TYPES.get(str(item.get("associationType"))) \
            if isinstance(item, dict) else None
        if kind is not None:
            return kind, []
        errors = self.schemas.validate("Association", item)
        return None, errors or [SchemaError(
            "/associationType", f"{_SPEC}/components/schemas/AssociationProperties/properties/"
            "associationType/enum", f"not one of {sorted(ASSOCIATION_TYPES)}")]

    def under_offering(self, item: Any) -> list[SchemaError]:
        """Errors of an item of ``/offerings/{offeringId}/associations``."""
        kind, errors = self._kind(item)
        if kind is None:
            return errors
        return self.schemas.validate(f"{kind}OfferingAssociationExpandable", item)

    def under_person(self, item: Any) -> list[SchemaError]:
        """Errors of an item of ``/persons/{personId}/associations``."""
        kind, errors = self._kind(item)
        if kind is None:
            return errors
        errors = self.schemas.validate(f"{kind}OfferingAssociation", item)
        offering = item.get("offering")
        branch = tuple(ASSOCIATION_TYPES.values()).index(kind)
        if offering is None:
            errors.append(SchemaError("", f"{_SPEC}{_PERSON_ITEMS}/{branch}/allOf/1/required",
                                      "'offering' is a required property"))
        else:
            errors += _prefixed(self.schemas.validate(f"{kind}Offering", offering),
                                "/offering")
        if "academicSession" in item:
            errors += _prefixed(self.schemas.validate("AcademicSession",
                                                      item["academicSession"]),
                                "/academicSession")
        return errors

    def on_its_own(self, item: Any) -> list[SchemaError]:
        """Errors of ``GET /associations/{associationId}``'s answer."""
        kind, errors = self._kind(item)
        if kind is None:
            return errors
        errors = self.schemas.validate(f"{kind}OfferingAssociation", item)
        for field, expanded in (("person", "Person"), ("offering", f"{kind}Offering")):
            value = item.get(field)
            if value is None:
                continue
            schema = "Identifier" if isinstance(value, str) else expanded
            errors += _prefixed(self.schemas.validate(schema, value), f"/{field}")
        return errors
