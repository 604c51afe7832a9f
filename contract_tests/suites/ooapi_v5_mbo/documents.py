"""Conformant documents of the mbo profile with fresh UUIDs, and the PUTs that send them.

The documents follow the profile's own examples (``ooapiv5_MBO.yaml``: "Create person in
remote system", "Create offering (zitting) without students (flow 2.1)", "Add student to
created offering (zitting)", "Create a group in remote system", "Create a new group member
in remote system"), with fresh ids and an exam session a month from today, so a run never
touches a supplier's real data and two runs never collide. Each is checked against the
profile's request schema before it is sent: a document the profile refuses is the suite's
bug, not the supplier's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from contract_tests.http import Exchange, HttpRecorder
from gateway.adapters.ooapi.mbo_profile import MboProfile

__all__ = ["CONSUMER", "Pushed", "Sent", "association", "group", "member", "offering",
           "person", "push_session"]

Doc = dict[str, Any]
CONSUMER = "nl-test-admin"


def _id() -> str:
    return str(uuid.uuid4())


def person(pid: str) -> Doc:
    """A student as an SIS pushes it (the profile's example, own ids, no real person)."""
    return {
        "personId": pid, "primaryCode": {"codeType": "studentNumber", "code": pid[:8]},
        "givenName": "Testa", "surnamePrefix": "van", "surname": "Contract",
        "displayName": "Testa van Contract", "initials": "T", "activeEnrollment": True,
        "affiliations": ["student"], "mail": f"t{pid[:8]}@student.example.org",
        "languageOfChoice": ["nl-NL"],
        "consumers": [{"consumerKey": CONSUMER, "preferredName": "Testa",
                       "idCheckName": "Contract, Testa van"}],
    }


def offering(oid: str, *, start: datetime | None = None) -> Doc:
    """A component offering: an exam session of one hour, a month from today."""
    begin = start or (datetime.now(UTC) + timedelta(days=30)).replace(
        hour=10, minute=45, second=0, microsecond=0)
    return {
        "offeringId": oid,
        "primaryCode": {"codeType": "offeringCode", "code": f"contract-{oid[:8]}"},
        "offeringType": "component",
        "name": [{"language": "nl-NL", "value": "Rekenen MBO-3, contracttest"}],
        "description": [{"language": "nl-NL", "value": "Zitting van de contracttest"}],
        "teachingLanguage": "nld", "modeOfDelivery": ["situated"], "resultExpected": True,
        "consumers": [{"consumerKey": CONSUMER, "duration": "PT60M",
                       "startOptions": "individualStart", "offeringState": "active",
                       "locationCode": "A-22"}],
        "startDateTime": begin.isoformat(),
        "endDateTime": (begin + timedelta(hours=1)).isoformat(),
        "component": _id(),
    }


def association(aid: str, pid: str, oid: str, *, state: str = "associated") -> Doc:
    """A student's participation in a component offering, person and offering as ids."""
    return {"associationId": aid, "associationType": "componentOfferingAssociation",
            "role": "student", "state": state,
            "consumers": [{"consumerKey": CONSUMER, "additionalTimeInMin": 30,
                           "personalNeeds": ["extraTime"]}],
            "person": pid, "offering": oid}


def group(gid: str) -> Doc:
    today = datetime.now(UTC).date()
    return {"groupId": gid, "primaryCode": {"codeType": "groupCode", "code": f"CT-{gid[:6]}"},
            "groupType": "class", "name": [{"language": "nl-NL", "value": "Contracttest 1A"}],
            "startDate": today.isoformat(),
            "endDate": (today + timedelta(days=300)).isoformat()}


def member(pid: str) -> Doc:
    today = datetime.now(UTC).date()
    return {"personId": pid, "startDateTime": f"{today.isoformat()}T08:30:00+02:00",
            "endDateTime": f"{(today + timedelta(days=300)).isoformat()}T17:00:00+02:00",
            "state": "active", "role": "student"}


@dataclass(frozen=True)
class Sent:
    """One PUT of the suite: the profile's path template, the path, the body, the reply."""

    kind: str  # "person", "offering", "association", "group", "member"
    template: str
    path: str
    body: Doc
    exchange: Exchange


@dataclass
class Pushed:
    """The documents of one session and the PUTs that sent them, in order."""

    pid: str
    oid: str
    aid: str
    gid: str
    puts: list[Sent] = field(default_factory=list)

    def sent(self, kind: str) -> Sent:
        return next(s for s in self.puts if s.kind == kind)


def plan(pid: str, oid: str, aid: str, gid: str) -> list[tuple[str, str, str, Doc]]:
    """(kind, template, path, body) of a session, in the order the profile's flows send
    them: whatever an association or member names exists before it."""
    return [
        ("person", "/persons/{personId}", f"/persons/{pid}", person(pid)),
        ("offering", "/offerings/{offeringId}", f"/offerings/{oid}", offering(oid)),
        ("association", "/associations/{associationId}", f"/associations/{aid}",
         association(aid, pid, oid)),
        ("group", "/groups/{groupId}", f"/groups/{gid}", group(gid)),
        ("member", "/groups/{groupId}/members", f"/groups/{gid}/members", member(pid)),
    ]


def push_session(http: HttpRecorder, profile: MboProfile) -> Pushed:
    """PUT a fresh session (see :func:`plan`) and keep every exchange.

    Raises:
        AssertionError: a document of the suite does not conform to the profile (a bug
            of the suite: the runner reports it as a crash, not as the supplier's fault).
    """
    pushed = Pushed(_id(), _id(), _id(), _id())
    for kind, template, path, body in plan(pushed.pid, pushed.oid, pushed.aid, pushed.gid):
        errors = profile.validate_request(template, "put", body)
        if errors:
            raise AssertionError(f"the suite's own {kind} does not conform: {errors[0]}")
        exchange = http.request("PUT", path, json_body=body)
        pushed.puts.append(Sent(kind, template, path, body, exchange))
    return pushed
