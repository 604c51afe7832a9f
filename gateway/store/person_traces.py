"""Where a person's personal data may linger outside ``person_data``, and how to remove it.

Raw payloads are kept for operators: quarantined records (the body as it arrived, so
it can be replayed once fixed) and the stored responses of idempotency keys. A person
record that failed validation, or an intake response, can hold names, a birth date or an
e-mail address. Erasure (:mod:`gateway.sync.erasure`) must find them too.

A payload *belongs to* the person when it names the person's canonical id, names the
person's source id under a person key (``personId``), or holds the person's e-mail
address. Such a payload is scrubbed: in JSON every personal field (the mbo profile's
Person properties, the canonical and intake names) and every occurrence of the
person's known values is replaced by ``"[erased]"``; ids and structure stay, so the
operator still sees what arrived and why it failed. A payload that is not JSON is
replaced as a whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from gateway.domain import PersonalData

__all__ = ["ERASED", "PERSONAL_KEYS", "PersonTraces"]

ERASED = "[erased]"

#: JSON keys whose values are personal data wherever they occur in a person's payload:
#: the mbo profile's Person properties, its NL-TEST-ADMIN consumer, the canonical model.
PERSONAL_KEYS = frozenset({
    "givenName", "surnamePrefix", "surname", "displayName", "initials", "preferredName",
    "dateOfBirth", "cityOfBirth", "countryOfBirth", "nationality", "dateOfNationality",
    "mail", "secondaryMail", "telephoneNumber", "mobileNumber", "photoSocial",
    "photoOfficial", "gender", "titlePrefix", "titleSuffix", "office", "address",
    "ICEName", "ICEPhoneNumber", "ICERelation", "idCheckName", "assignedNeeds",
    "personalNeeds", "motivation", "personalData",
    "given_name", "family_name_prefix", "family_name", "birth_date", "email",
    "street_address", "postal_code", "locality",
    "familyNamePrefix", "familyName", "birthDate", "streetAddress", "postalCode",
})

#: Keys under which a payload names a person by the source's id.
_PERSON_KEYS = frozenset({"personId", "person_id", "person"})


def _date_forms(day: date) -> list[str]:
    return [day.isoformat(), day.strftime("%d-%m-%Y"), day.strftime("%d/%m/%Y"),
            day.strftime("%d.%m.%Y"), day.strftime("%Y%m%d")]


@dataclass(frozen=True)
class PersonTraces:
    """What identifies one person's data in a raw payload.

    Args:
        person_id: the canonical (pseudonymous) id.
        source_ids: the person's ids in its source systems (``personId`` values).
        values: the person's personal data values, while they are still known.
        email: the e-mail address (a value that identifies the person on its own).
        id_of: the canonical id of a source's person id (the mapping's), for payloads of
            a person the store never accepted (so whose source id is unknown); None
            when the id cannot be one.
    """

    person_id: UUID
    source_ids: frozenset[str] = frozenset()
    values: tuple[str, ...] = ()
    email: str | None = None
    id_of: Callable[[str], UUID | None] | None = None

    @classmethod
    def of(
        cls, person_id: UUID, source_ids: Iterable[str], data: PersonalData | None,
        id_of: Callable[[str], UUID | None] | None = None,
    ) -> PersonTraces:
        """The traces of a person, with its personal data when the store still has it."""
        if data is None:
            return cls(person_id, frozenset(source_ids), id_of=id_of)
        values = [v for v in (data.given_name, data.family_name, data.street_address,
                              data.postal_code, data.email) if v and len(v) >= 2]
        if data.given_name and data.family_name:
            prefix = f"{data.family_name_prefix} " if data.family_name_prefix else ""
            values.append(f"{data.given_name} {prefix}{data.family_name}")
        if data.postal_code:
            values.append(data.postal_code.replace(" ", ""))
        if data.birth_date:
            values.extend(_date_forms(data.birth_date))
        ordered = tuple(sorted(set(values), key=len, reverse=True))  # longest first
        return cls(person_id, frozenset(source_ids), ordered, data.email, id_of)

    def search_terms(self) -> list[str]:
        """Substrings at least one of which a payload of the person contains (a prefilter)."""
        terms = [str(self.person_id), *self.source_ids]
        return terms + ([self.email] if self.email else [])

    # -- deciding ---------------------------------------------------------------------
    def names_person(self, raw: str) -> bool:
        """Whether ``raw`` (JSON or not) is a payload of this person."""
        if str(self.person_id) in raw:
            return True
        if self.email and self.email.casefold() in raw.casefold():
            return True
        try:
            doc = json.loads(raw)
        except ValueError:
            return any(re.search(rf'"?person_?[Ii]d"?\W{{1,5}}{re.escape(sid)}(?![\w-])', raw)
                       for sid in self.source_ids)
        return self._names_in(doc)

    def _names_in(self, value: Any) -> bool:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _PERSON_KEYS and isinstance(item, str | int) and (
                        self._is_person(str(item))):
                    return True
                if self._names_in(item):
                    return True
            return False
        if isinstance(value, list):
            return any(self._names_in(item) for item in value)
        return False

    def _is_person(self, source_id: str) -> bool:
        if source_id in self.source_ids:
            return True
        return self.id_of is not None and self.id_of(source_id) == self.person_id

    # -- scrubbing --------------------------------------------------------------------
    def scrub_text(self, text: str) -> str:
        """``text`` with every known value of the person replaced."""
        for value in self.values:
            text = re.sub(rf"(?i)(?<!\w){re.escape(value)}(?!\w)", ERASED, text)
        return text

    def scrub(self, raw: str) -> str:
        """The payload without personal data (JSON keeps its structure and ids)."""
        try:
            doc = json.loads(raw)
        except ValueError:
            return json.dumps({"erased": True, "personId": str(self.person_id)})
        return json.dumps(self._scrub_value(doc), ensure_ascii=False)

    def _scrub_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: (ERASED if key in PERSONAL_KEYS and item not in (None, "", [], {})
                          else self._scrub_value(item))
                    for key, item in value.items()}
        if isinstance(value, list):
            return [self._scrub_value(item) for item in value]
        if isinstance(value, str):
            return self.scrub_text(value)
        return value
