"""``/intake/v1/applications``: submit an application, read its status, withdraw it.

Both POSTs require an ``Idempotency-Key`` (:mod:`gateway.api.idempotency`). Withdrawing is
a POST on the application's ``withdraw`` action and not a DELETE: the application is not
removed (it stays readable, in state ``withdrawn``), and a POST carries the idempotency
key like every other change of this API.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response

from gateway.api.deps import GatewayDep, Principal, require_scope
from gateway.api.idempotency import HEADER, REPLAYED_HEADER, IdempotentPost
from gateway.api.problems import problem_response, status_of
from gateway.api.routers.intake.models import (
    ApplicationRequest,
    ApplicationView,
    ForwardingView,
    PersonReference,
    Problem,
)
from gateway.bootstrap import Gateway
from gateway.domain import Application
from gateway.domain.enrolment import APPLICATION_STATES, EnrolmentState, allowed_transitions
from gateway.errors import GatewayError, TransitionError, ValidationError
from gateway.store.idempotency import IdempotencyStore
from gateway.store.intake_forwarding import ForwardingRecord, ForwardingState
from gateway.sync.intake_applications import IntakeApplications
from gateway.sync.intake_sending import FORWARDED_STATES
from gateway.sync.intake_submission import CohortNotOpen, NewApplicant, Submission

__all__ = ["READ_SCOPE", "WRITE_SCOPE", "router", "view_of"]

READ_SCOPE = "intake:read"
WRITE_SCOPE = "intake:write"

router = APIRouter(tags=["intake"])

Writer = Annotated[Principal, Depends(require_scope(WRITE_SCOPE))]
Reader = Annotated[Principal, Depends(require_scope(READ_SCOPE, WRITE_SCOPE))]
KeyHeader = Annotated[str | None, Header(alias=HEADER, include_in_schema=False)]

_PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
_KEY_PARAMETER = {
    "name": HEADER, "in": "header", "required": True,
    "description": "A unique key per intended change, a Structured Field String "
                   '(`"8e03978e-..."`), 1 to 255 characters; see the API description.',
    "schema": {"type": "string", "minLength": 1, "maxLength": 257},
}
_REPLAYED = {REPLAYED_HEADER: {"description": "`true` when this is the stored response of "
                                              "an earlier request with the same key.",
                               "schema": {"type": "string", "enum": ["true"]}}}


def view_of(
    application: Application, version: int, forwarding: ForwardingRecord | None
) -> ApplicationView:
    """The API's view of an application (ids and states only)."""
    allowed = sorted(s.value for s in allowed_transitions(application.state)
                     if s in APPLICATION_STATES)
    base = f"/intake/v1/applications/{application.id}"
    links = {"self": base}
    if EnrolmentState.WITHDRAWN.value in allowed:
        links["withdraw"] = f"{base}/withdraw"
    return ApplicationView.model_validate({
        "applicationId": application.id, "cohortId": application.cohort_id,
        "personId": application.person_id, "state": application.state.value,
        "allowedTransitions": allowed, "submittedOn": application.submitted_on,
        "version": version, "links": links,
        "forwarding": _forwarding(application.state, version, forwarding)})


def _forwarding(
    state: EnrolmentState, version: int, record: ForwardingRecord | None
) -> ForwardingView:
    if record is None:
        return ForwardingView(status="pending")
    current = record.entity_version >= version or state not in FORWARDED_STATES
    return ForwardingView(status=record.status.value if current else "pending",
                          target=record.target, forwardedVersion=record.entity_version,
                          updatedAt=record.updated_at)


def intake_problem(request: Request, exc: GatewayError) -> Response:
    """The problem for an error of an intake operation; the dates and states are members.

    A refused transition is a conflict with the application's stored state: 409.
    """
    status = status_of(exc)
    members: dict[str, Any] = {}
    errors = None
    if isinstance(exc, TransitionError):
        status = 409
        members = {"from": exc.context.get("from_state"), "to": exc.context.get("to_state"),
                   "allowed": exc.context.get("allowed", [])}
    elif isinstance(exc, ValidationError):
        errors = [{"path": str(e.get("path", "")), "message": str(e.get("message", ""))}
                  for e in exc.errors]
    if isinstance(exc, CohortNotOpen):
        members = dict(exc.context)
    return problem_response(status, code=exc.code, detail=exc.message,
                            instance=request.url.path, errors=errors, **members)


def _idempotent(request: Request, gateway: Gateway) -> IdempotentPost:
    return IdempotentPost(IdempotencyStore(gateway.engine, clock=gateway.clock),
                          documentation=str(request.url_for("intake_openapi")))


def _json(view: ApplicationView, status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(view.model_dump(mode="json"), status_code=status, headers=headers)


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationView,
    operation_id="submitApplication",
    openapi_extra={"parameters": [_KEY_PARAMETER]},
    responses={
        201: {"description": "Received; `Location` names the application.",
              "headers": {"Location": {"schema": {"type": "string"}}, **_REPLAYED}},
        400: {**_PROBLEM, "description": "Idempotency-Key missing or malformed."},
        409: {**_PROBLEM, "description": "The cohort takes no applications today "
                                         "(cohort-not-open, with the reason and the dates), "
                                         "or the key's first request is still running."},
        422: {**_PROBLEM, "description": "Invalid body, unknown cohort or person "
                                         "(reference-not-found), or the key was used for "
                                         "another request (idempotency-key-reused)."},
    },
)
def submit_application(
    body: ApplicationRequest, request: Request, gateway: GatewayDep, principal: Writer,
    idempotency_key: KeyHeader = None,
) -> Response:
    """Apply for a cohort, as a known person or as a new applicant.

    The cohort must exist for the caller's tenant and be open for application today (its
    application window, in Dutch calendar days). The application starts in `received`
    and is forwarded to the school's SIS.
    """
    def operation(key: str) -> Response:
        applicant = None if isinstance(body.person, PersonReference) else NewApplicant(
            body.person.personal_data(), body.person.eckId)
        person_id = body.person.personId if isinstance(body.person, PersonReference) else None
        submitted = IntakeApplications(gateway).submit(
            principal.tenant, principal.client_id, key,
            Submission(cohort_id=body.cohortId, person_id=person_id, applicant=applicant,
                       motivation=body.motivation))
        view = view_of(submitted.application, submitted.version, None)
        return _json(view, 201, Location=view.links["self"])

    return _idempotent(request, gateway).run(
        request, principal, idempotency_key, body.model_dump(mode="json"), operation,
        intake_problem)


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationView,
    operation_id="getApplication",
    responses={404: {**_PROBLEM, "description": "The tenant has no such application."},
               422: {**_PROBLEM, "description": "The id is not a UUID."}},
)
def get_application(application_id: UUID, gateway: GatewayDep, principal: Reader) -> Response:
    """The application's state and how far its forwarding to the SIS got."""
    application, stored = IntakeApplications(gateway).get(principal.tenant, application_id)
    record = ForwardingState(gateway.engine).get(principal.tenant, application_id)
    return _json(view_of(application, stored.version, record))


@router.post(
    "/applications/{application_id}/withdraw",
    response_model=ApplicationView,
    operation_id="withdrawApplication",
    openapi_extra={"parameters": [_KEY_PARAMETER]},
    responses={
        200: {"description": "Withdrawn (also when it already was).", "headers": _REPLAYED},
        400: {**_PROBLEM, "description": "Idempotency-Key missing or malformed."},
        404: {**_PROBLEM, "description": "The tenant has no such application."},
        409: {**_PROBLEM, "description": "The state machine does not allow it "
                                         "(transition-not-allowed: `from`, `to`, `allowed`); "
                                         "or the key's first request is still running."},
        422: {**_PROBLEM, "description": "The id is not a UUID, or the key was used for "
                                         "another request (idempotency-key-reused)."},
    },
)
def withdraw_application(
    application_id: UUID, request: Request, gateway: GatewayDep, principal: Writer,
    idempotency_key: KeyHeader = None,
) -> Response:
    """The applicant withdraws. Allowed from received, in_review and accepted."""
    def operation(_key: str) -> Response:
        change = IntakeApplications(gateway).withdraw(principal.tenant, application_id)
        assert isinstance(change.after, Application)  # noqa: S101 - kind checked
        record = ForwardingState(gateway.engine).get(principal.tenant, application_id)
        return _json(view_of(change.after, change.version, record))

    return _idempotent(request, gateway).run(
        request, principal, idempotency_key, None, operation, intake_problem)

