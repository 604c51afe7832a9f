"""The persons of the leak test: their personal data, and the needles searched for.

The test's own persons have values found nowhere else (so a finding is a leak, never a
coincidence); the simulated school's generated persons are searched by their full names,
e-mail addresses, birth dates and addresses.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.e2e.leak_search import Needle, needles_of
from tests.e2e.leak_world import World
from tests.integration.mbo_profile_support import person_doc

__all__ = ["EVERTDINA", "QUIRINE", "WENDELIEN", "YSBRAND", "our_needles", "quirine_doc",
           "school_needles"]


def _fifteen(days: int) -> date:
    """The birth date of a 15-year-old: the simulated school's persons are 16 or older,
    so no generated person shares it (the search would not tell them apart)."""
    return date.today() - timedelta(days=5500 + days)


#: Pushed through the mbo profile with every personal field the profile has.
QUIRINE: dict[str, Any] = {
    "given": "Quirine", "family": "Oosterhuis-Blom", "initials": "QJ",
    "mail": "quirine.oosterhuisblom@leerling.example.nl",
    "secondary": "qob.thuis@voorbeeld.example.com", "born": _fifteen(10),
    "street": "Wilgenroosje", "number": "7b", "postal": "3581 KW", "city": "Zuilenstein",
    "birthplace": "Wijk bij Duurstede", "phone": "+31 30 271 8845",
    "mobile": "+31 6 48213377", "ice": "Harmke Oosterhuis", "ice_phone": "06-29384756",
    "preferred": "Quirientje", "moved_to": ("Goudsbloemlaan", "3582 TZ"),
}
#: The new applicant of the intake, with a motivation that names someone else too.
YSBRAND: dict[str, Any] = {
    "given": "Ysbrand", "family": "Tjallingii", "mail": "ysbrand.tjallingii@post.example.org",
    "born": _fifteen(60), "street": "Sprokkelpad 31", "postal": "3534 XR",
    "city": "Hoograven-Zuid",
    "motivation": "Ik wil kok worden, net als opa Tjalling Hiemstra.",
}
#: Only ever in refused bodies.
WENDELIEN: dict[str, Any] = {
    "given": "Wendelien", "family": "Hoogkarspel",
    "mail": "wendelien.hoogkarspel@fout.example.net", "born": _fifteen(120),
    "phone": "+31 6 71122334",
}
#: What the SIS serves, broken, for one of its persons: only ever in the quarantine.
EVERTDINA: dict[str, Any] = {
    "given": "Evertdina", "family": "Quarantijn", "mail": "evertdina.quarantijn@example.nl",
    "born": _fifteen(180),
}


def quirine_doc(pid: str, *, moved: bool = False) -> dict[str, Any]:
    q = QUIRINE
    street, postal = q["moved_to"] if moved else (q["street"], q["postal"])
    return person_doc(
        pid, given=q["given"], family=q["family"], mail=q["mail"],
        eck="https://ketenid.nl/201703/5f0e2c9a77b1", surnamePrefix="van der",
        displayName=f"{q['given']} van der {q['family']}", initials=q["initials"],
        dateOfBirth=q["born"].isoformat(), cityOfBirth=q["birthplace"],
        secondaryMail=q["secondary"], telephoneNumber=q["phone"], mobileNumber=q["mobile"],
        ICEName=q["ice"], ICEPhoneNumber=q["ice_phone"], ICERelation="parent",
        address={"addressType": "postal", "street": street, "streetNumber": q["number"],
                 "postalCode": postal, "city": q["city"], "countryCode": "NL"},
        consumers=[{"consumerKey": "nl-test-admin", "preferredName": q["preferred"],
                    "idCheckName": f"van der {q['family']}, {q['given']} Johanna"}])


def our_needles() -> list[Needle]:
    q, y, w, e = QUIRINE, YSBRAND, WENDELIEN, EVERTDINA
    return [
        *needles_of("Quirine", names=[q["given"], q["family"], q["ice"], q["preferred"],
                                      "Johanna", f"{q['given']} van der {q['family']}"],
                    email=q["mail"], birth_date=q["born"],
                    address=[q["street"], q["postal"], q["city"], q["birthplace"],
                             *q["moved_to"], q["secondary"]],
                    phones=[q["phone"], q["mobile"], q["ice_phone"]]),
        *needles_of("Ysbrand", names=[y["given"], y["family"], "Tjalling Hiemstra"],
                    email=y["mail"], birth_date=y["born"],
                    address=[y["street"], y["postal"], y["city"], y["motivation"]]),
        *needles_of("Wendelien", names=[w["given"], w["family"]], email=w["mail"],
                    birth_date=w["born"], phones=[w["phone"]]),
        *needles_of("Evertdina", names=[e["given"], e["family"]], email=e["mail"],
                    birth_date=e["born"]),
    ]


def school_needles(world: World) -> list[Needle]:
    """The generated persons of the SIS: full names, e-mail, birth date, address."""
    school = world.sis.school
    needles = []
    with school.lock:
        docs = [school.person_of(n) for n in range(school.persons)]
    for doc in docs:
        who = doc["displayName"]
        address = doc.get("address", {})
        needles += needles_of(
            who, names=[who, f"{doc['givenName']} {doc['surname']}",
                        doc["consumers"][0]["idCheckName"]],
            email=doc["mail"], birth_date=date.fromisoformat(doc["dateOfBirth"]),
            address=[f"{address.get('street')} {address.get('streetNumber')}",
                     address.get("postalCode", "")])
    return needles
