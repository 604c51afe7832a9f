"""What others may change in the simulated SIS: pushed persons and associations, and changes.

- ``PUT /associations/{associationId}`` (mbo profile): the gateway forwards an accepted
  application. The body is checked against the profile (``check``), then: its
  ``associationId`` must be the path's, the person (an id, or expanded: then it is kept as
  a pushed person) and the offering must be known (404 otherwise), ``associationType``
  must fit the offering's type, and the SIS's own associations cannot be overwritten
  (409). Answers 201 for a new association, 200 for a replaced one.
- ``PUT /persons/{personId}`` (mbo profile): a person the SIS keeps (201 / 200).
- ``POST /_simulator/mutate`` with ``persons=N``, ``enrolments=N``, ``accept=<id>``,
  ``reject=<id>`` and ``cancel=<id>`` (repeatable): the population changes
  (:mod:`.school_changes`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.adapters.ooapi.mbo_profile import mbo_profile
from gateway.adapters.standards import Standards
from simulators.ooapi_sis import population_docs as pdocs
from simulators.ooapi_sis.population import SisSchool
from simulators.ooapi_sis.responses import ClientError, checked_id, guard, json_response
from simulators.ooapi_sis.school_changes import NotDecidable, SchoolMutator
from simulators.ooapi_sis.tokens import TokenIssuer

__all__ = ["RequestCheck", "SchoolWrites", "profile_check"]

Doc = dict[str, Any]
#: ``check(method, path_template, body)`` -> what is wrong with a request body against the
#: mbo profile, each as ``"<pointer>: <message>"``; empty when it conforms.
RequestCheck = Callable[[str, str, Any], list[str]]
_CHANGE_PARAMS = ("persons", "enrolments", "accept", "reject", "cancel")


def profile_check(standards: Standards) -> RequestCheck:
    """The check of request bodies against the mbo profile in ``standards``."""
    profile = mbo_profile(standards)

    def check(method: str, path_template: str, body: Any) -> list[str]:
        return [f"{e.pointer or '/'}: {e.message}"
                for e in profile.validate_request(path_template, method, body)]
    return check


def _number(params: Mapping[str, str], name: str) -> int:
    raw = params.get(name, "0")
    if not raw.isdigit() or not 0 <= int(raw) <= 10_000:
        raise ClientError(400, f"{name} must be a whole number from 0 to 10000")
    return int(raw)


def _ref(value: Any, id_field: str) -> str | None:
    if isinstance(value, Mapping):
        value = value.get(id_field)
    return value if isinstance(value, str) else None


class SchoolWrites:
    """The write endpoints and the population's part of ``/_simulator/mutate``.

    Args:
        school: the population.
        check: the mbo profile check of request bodies; None refuses every ``PUT`` (405).
    """

    def __init__(self, school: SisSchool, check: RequestCheck | None) -> None:
        self.school = school
        self.check = check
        self.mutator = SchoolMutator(school)

    def routes(self, issuer: TokenIssuer) -> list[Route]:
        if self.check is None:
            return []
        return [Route("/associations/{associationId}",
                      guard(issuer, self.school.lock, self.put_association, write=True),
                      methods=["PUT"]),
                Route("/persons/{personId}",
                      guard(issuer, self.school.lock, self.put_person, write=True),
                      methods=["PUT"])]

    # -- PUT ------------------------------------------------------------------------------
    def _body(self, body: bytes, path_template: str) -> Doc:
        try:
            doc = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ClientError(400, "the body is not JSON") from None
        assert self.check is not None  # noqa: S101 - no PUT route without a check
        errors = self.check("put", path_template, doc)
        if errors:
            more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
            raise ClientError(400, "the body does not conform to the mbo profile: "
                              + "; ".join(errors[:5]) + more)
        if not isinstance(doc, dict):
            raise ClientError(400, "the body is not a JSON object")
        return doc

    def put_association(self, request: Request, body: bytes) -> Response:
        ident = checked_id(request.path_params["associationId"])
        doc = self._body(body, "/associations/{associationId}")
        if doc.get("associationId", ident) != ident:
            raise ClientError(400, "associationId in the body differs from the path")
        school = self.school
        if school.association_number(ident) is not None:
            raise ClientError(409, f"association {ident} is one of the SIS's own records")
        person_id = _ref(doc.get("person"), "personId")
        offering_id = _ref(doc.get("offering"), "offeringId")
        if person_id is None or offering_id is None:
            raise ClientError(400, "an association names its person and its offering")
        if school.person(person_id) is None:
            if not isinstance(doc["person"], Mapping):
                raise ClientError(404, f"no person {person_id}; PUT the person first or "
                                       "send it expanded")
            school.received.put_person(person_id, dict(doc["person"]))
        offering = school.catalogue.offerings.get(offering_id)
        if offering is None:
            raise ClientError(404, f"no offering {offering_id}")
        expected = f"{offering['offeringType']}OfferingAssociation"
        if doc.get("associationType") != expected:
            raise ClientError(400, f"offering {offering_id} takes a {expected}")
        created = school.received.put_association(ident, doc, person_id, offering_id)
        school.version += 1
        kept = school.received.association(ident)
        assert kept is not None  # noqa: S101 - just stored
        return json_response(pdocs.on_its_own(*kept), 201 if created else 200)

    def put_person(self, request: Request, body: bytes) -> Response:
        ident = checked_id(request.path_params["personId"])
        doc = self._body(body, "/persons/{personId}")
        if doc.get("personId") != ident:
            raise ClientError(400, "personId in the body differs from the path")
        school = self.school
        number = school.person_number(ident)
        if number is None:
            created = school.received.put_person(ident, doc)
        else:  # a full replacement of a generated person: fields left out are removed
            generated = school.person_of(number)
            school.person_changes[number] = {**{k: None for k in generated}, **doc}
            created = False
        school.version += 1
        return json_response(school.person(ident), 201 if created else 200)

    # -- changes --------------------------------------------------------------------------
    @staticmethod
    def asks_for_changes(params: QueryParams) -> bool:
        return any(name in params for name in _CHANGE_PARAMS)

    def mutate(self, params: QueryParams) -> list[str]:
        """Apply the population changes ``params`` ask for; returns what changed.

        Raises:
            ClientError: a malformed count (400), an unknown association (404), or one the
                change does not apply to (409).
        """
        changes = self.mutator.persons(n) if (n := _number(params, "persons")) else []
        if n := _number(params, "enrolments"):
            changes += self.mutator.enrolments(n)
        actions = (("accept", lambda i: self.mutator.decide(i, accept=True)),
                   ("reject", lambda i: self.mutator.decide(i, accept=False)),
                   ("cancel", self.mutator.cancel))
        for name, action in actions:
            for raw in params.getlist(name):
                ident = checked_id(raw)
                try:
                    changes.append(action(ident))
                except KeyError:
                    raise ClientError(404, f"no association {ident}") from None
                except NotDecidable as exc:
                    raise ClientError(409, str(exc)) from None
        return changes
