"""The intake API's own OpenAPI document: generated from its routes, committed in schemas/.

    python -m gateway.api.intake_openapi --write schemas/    (make schemas)
    python -m gateway.api.intake_openapi --check schemas/

The document is the intake part of the app's OpenAPI (the routes under ``/intake/v1``)
plus what FastAPI cannot know: the OAuth2 client-credentials scheme with the scope of
each operation, and the rules of idempotency keys and of the state machine.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.openapi.utils import get_openapi

from gateway.api.routers.intake import PREFIX, applications

__all__ = ["FILE", "REGENERATE", "check_file", "intake_openapi_document", "main", "rendered"]

FILE = "intake-openapi.json"
REGENERATE = "python -m gateway.api.intake_openapi --write schemas/  (or: make schemas)"
#: The intake API's own version: it changes when the API does, not with every release.
VERSION = "1.0.0"

_SCOPES = {
    "submitApplication": [applications.WRITE_SCOPE],
    "withdrawApplication": [applications.WRITE_SCOPE],
    "getApplication": [applications.READ_SCOPE],
}

_DESCRIPTION = """\
Applications (aanmeldingen) of persons for cohorts of a school's offered programmes.

**Tenant.** Every request acts for the tenant (school) of its OAuth2 token; the token is
fetched with client credentials from `/oauth/token`. `intake:write` submits and
withdraws, `intake:read` (or `intake:write`) reads.

**Checks.** An application names a cohort of the tenant that is open for application
today (the Dutch calendar date): status open, and today within its application window.
Otherwise the answer is a problem (`application/problem+json`, RFC 9457) whose `reason`
is `cohort-closed`, `application-window-not-open` or `application-window-passed`, with
`applicationStart`, `applicationEnd` and `today`. An unknown cohort or person is a 422
`reference-not-found`.

**Personal data.** A new applicant's details are stored behind the gateway's
personal-data API; events, logs and the responses of this API carry ids only.

**Idempotency keys** (IETF draft-ietf-httpapi-idempotency-key-header). Every POST requires
an `Idempotency-Key` header: a Structured Field String such as
`"8e03978e-40d5-43e8-bc93-6894a57f9324"` (unquoted values without spaces are accepted),
1 to 255 characters, unique per intended change. Keys are scoped to the tenant and the
client and are kept for 24 hours.
- The same key with the same request (method, path, JSON body): the stored response, with
  the same status and body, and `Idempotent-Replayed: true`. Responses of requests that
  ran are stored, refusals (4xx) included: use a new key for a new attempt. A failure of
  the gateway (5xx) is not stored: a retry with the key runs again.
- The same key with another request: 422 `idempotency-key-reused`.
- The same key while its first request still runs: the repeat waits for it and answers
  its response; if it still runs after 10 seconds, 409 `idempotency-key-in-use` with
  `Retry-After`.
- No key: 400 `idempotency-key-missing`; a malformed one: 400 `idempotency-key-invalid`.

**States.** received -> in_review -> accepted, or rejected; withdrawn from received,
in_review and accepted. `allowedTransitions` of an application lists where it may go; a
refused transition is a 409 `transition-not-allowed` naming `from`, `to` and `allowed`,
and changes nothing. Withdrawing is `POST .../withdraw` (not DELETE: the application
stays readable).

**Forwarding.** A received or withdrawn application is sent to the school's SIS as an
OOAPI v5 programme offering association (mbo profile, `PUT /associations/{id}` with the
application's id; state `pending` or `canceled`). The SIS's decisions come back as state
changes; `forwarding` shows how far it got.
"""


@cache
def _document() -> dict[str, Any]:
    router = APIRouter(prefix=PREFIX)
    router.include_router(applications.router)
    doc = get_openapi(title="mbo-gateway intake API", version=VERSION,
                      description=_DESCRIPTION, routes=router.routes)
    doc.setdefault("components", {})["securitySchemes"] = {
        "oauth2": {
            "type": "oauth2",
            "description": "OAuth2 client credentials of the gateway (RFC 6749 4.4).",
            "flows": {"clientCredentials": {
                "tokenUrl": "/oauth/token",
                "scopes": {applications.WRITE_SCOPE: "submit and withdraw applications",
                           applications.READ_SCOPE: "read applications"},
            }},
        }
    }
    for item in doc["paths"].values():
        for operation in item.values():
            _problems_as_problem_json(operation["responses"])
            scopes = _SCOPES[operation["operationId"]]
            operation["security"] = [{"oauth2": scopes}]
            operation["responses"].setdefault("401", {
                "description": "No valid bearer token.",
                "content": {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}}}})
            operation["responses"].setdefault("403", {
                "description": f"The token lacks the scope {' or '.join(scopes)}.",
                "content": {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}}}})
    return doc


def _problems_as_problem_json(responses: dict[str, Any]) -> None:
    """Errors are ``application/problem+json`` only (FastAPI lists a model as JSON too)."""
    for status, response in responses.items():
        content = response.get("content", {})
        if status.startswith(("4", "5")) and "application/json" in content:
            content["application/problem+json"] = content.pop("application/json")


def intake_openapi_document() -> dict[str, Any]:
    """The intake API's OpenAPI 3.1 document (a fresh copy)."""
    return copy.deepcopy(_document())


def rendered() -> str:
    """The document as committed: indented JSON, sorted keys, a final newline."""
    return json.dumps(_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def check_file(directory: str | Path) -> list[str]:
    """What differs between ``directory``/intake-openapi.json and the code (empty: in sync)."""
    path = Path(directory) / FILE
    if not path.is_file():
        return [f"missing: {FILE}"]
    if path.read_text(encoding="utf-8") != rendered():
        return [f"differs: {FILE}"]
    return []


def write_file(directory: str | Path) -> bool:
    """Write the document into ``directory``; True when the file changed."""
    path = Path(directory) / FILE
    text = rendered()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.api.intake_openapi",
                                     description="Generate the intake API's OpenAPI document.")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="DIR", help="write intake-openapi.json into DIR")
    mode.add_argument("--check", metavar="DIR", help="exit 1 when DIR's copy differs")
    args = parser.parse_args(argv)
    if args.write:
        if write_file(args.write):
            print(f"wrote {Path(args.write) / FILE}")
        return 0
    problems = check_file(args.check)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"regenerate with: {REGENERATE}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
