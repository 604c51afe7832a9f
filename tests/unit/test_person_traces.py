"""Which raw payloads belong to a person, and what scrubbing leaves of them."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

from gateway.domain import PersonalData
from gateway.store.person_traces import ERASED, PersonTraces

PID = UUID("6f1c3e0a-5d0b-5c55-9a8e-6d626f2d6777")
DATA = PersonalData(given_name="Jan", family_name_prefix="de", family_name="Vries",
                    birth_date=date(2004, 1, 2), email="jan.devries@example.nl",
                    postal_code="1234 AB")
TRACES = PersonTraces.of(PID, ["s-17"], DATA)


def test_a_payload_belongs_to_the_person_by_canonical_id_source_id_or_email() -> None:
    assert TRACES.names_person(json.dumps({"person": {"personId": "s-17"}}))
    assert TRACES.names_person(json.dumps({"applicant": str(PID)}))
    assert TRACES.names_person("garbage JAN.DEVRIES@example.nl garbage")
    assert TRACES.names_person('{"personId": "s-17", broken')
    assert not TRACES.names_person(json.dumps({"personId": "s-170", "givenName": "Jan"}))
    assert not TRACES.names_person(json.dumps({"offeringId": "s-17"}))
    assert not TRACES.names_person('{"personId": "s-170", broken')


def test_scrubbing_keeps_ids_and_structure_and_removes_values() -> None:
    raw = json.dumps({
        "personId": "s-17", "givenName": "Jan", "surname": "Vries", "affiliations": ["student"],
        "ext": {"note": "Jan de Vries, born 02-01-2004, 1234AB"}, "secondaryMail": None,
        "primaryCode": {"codeType": "studentNumber", "code": "s-17"},
    })
    doc = json.loads(TRACES.scrub(raw))
    assert doc == {
        "personId": "s-17", "givenName": ERASED, "surname": ERASED,
        "affiliations": ["student"], "ext": {"note": f"{ERASED}, born {ERASED}, {ERASED}"},
        "secondaryMail": None, "primaryCode": {"codeType": "studentNumber", "code": "s-17"},
    }


def test_text_that_is_not_json_is_replaced_whole() -> None:
    assert json.loads(TRACES.scrub("Jan de Vries <jan.devries@example.nl>")) == {
        "erased": True, "personId": str(PID)}


def test_names_are_replaced_as_words_only() -> None:
    assert TRACES.scrub_text("Janssen met Jan") == f"Janssen met {ERASED}"


def test_without_personal_data_only_ids_identify() -> None:
    bare = PersonTraces.of(PID, ["s-17"], None)
    assert bare.values == () and bare.email is None
    assert bare.search_terms() == [str(PID), "s-17"]
    assert bare.scrub_text("Jan") == "Jan"
    assert json.loads(bare.scrub(json.dumps({"personId": "s-17", "mail": "x@y.nl"}))) == {
        "personId": "s-17", "mail": ERASED}
