"""The OAuth2 scopes of OneRoster 1.2 rostering and the dependency that demands them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from gateway.api.deps import Principal, require_scope

__all__ = ["CORE_READ", "ROSTER_READ", "RosterReader"]

#: Read the core rostering data: orgs, academic sessions, courses, classes, users,
#: enrollments (all this gateway serves).
CORE_READ = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"
#: Read all rostering data (a superset of the core).
ROSTER_READ = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly"

RosterReader = Annotated[Principal, Depends(require_scope(CORE_READ, ROSTER_READ))]
