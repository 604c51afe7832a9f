"""What the ``ooapi-v5-mbo`` checks share: the recording client, the compiled profile, the
role, and (for a receiver) the documents the suite has pushed.

The role is chosen with ``--option role=receiver|sis`` (default ``sis``); a check of the
other role is skipped as not applicable (:meth:`MboContext.require_role`), without a
request, so one suite serves both. ``--option sample=N`` (default 5) bounds how many
persons, associations and groups an SIS run reads, so a run costs a few dozen requests
whatever the size of the school.
"""

from __future__ import annotations

import uuid
from typing import Any

from contract_tests.checks import NotApplicable
from contract_tests.http import NOT_JSON, Exchange, HttpRecorder
from contract_tests.suites.ooapi_v5.context import standards_for
from contract_tests.suites.ooapi_v5_mbo.documents import Pushed, push_session
from contract_tests.target import Target, TargetError
from gateway.adapters.ooapi.mbo_profile import MboProfile, mbo_profile
from gateway.errors import GatewayError

__all__ = ["ROLES", "MboContext", "build_context"]

ROLES = ("receiver", "sis")


class MboContext:
    """The shared state of one ``ooapi-v5-mbo`` run (see the module docstring)."""

    def __init__(self, http: HttpRecorder, profile: MboProfile, role: str, *,
                 sample: int = 5) -> None:
        self.http = http
        self.profile = profile
        self.role = role
        self.sample_size = sample
        self._sessions: dict[str, Pushed] = {}

    def require_role(self, role: str) -> None:
        """Go on only in a run of ``role``.

        Raises:
            NotApplicable: the run is of the other role (the check is skipped).
        """
        if self.role != role:
            raise NotApplicable(f"a check of role={role}; this run is role={self.role} "
                                f"(--option role={role} runs it)")

    # -- receiver --------------------------------------------------------------------------

    def session(self, name: str = "main") -> Pushed:
        """A person, component offering, association, group and member, PUT once per name
        (with fresh UUIDs), with the exchanges that sent them."""
        if name not in self._sessions:
            self._sessions[name] = push_session(self.http, self.profile)
        return self._sessions[name]

    # -- reading ---------------------------------------------------------------------------

    def items(self, exchange: Exchange) -> list[dict[str, Any]]:
        """The ``items`` of a page reply that parsed; [] otherwise."""
        body = exchange.json() if exchange.status == 200 else NOT_JSON
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            return []
        return [item for item in body["items"] if isinstance(item, dict)]

    def page(self, path: str, size: int = 10, **params: str) -> Exchange:
        """Page 1 of a list (cached for the run)."""
        return self.http.get(path, {"pageSize": size, "pageNumber": 1, **params})

    def close(self) -> None:
        self.http.close()


def build_context(target: Target) -> MboContext:
    """The context of a run (the runner calls it once).

    Raises:
        TargetError: no base URL, no standards folder, an unknown role, refused
            credentials, or an endpoint that cannot be reached.
    """
    target.require_base_url()
    role = (target.option("role") or "sis").strip().lower()
    if role not in ROLES:
        raise TargetError(f"--option role= takes {' or '.join(ROLES)}, not {role!r}")
    standards = standards_for(target, "ooapi-v5-mbo")
    try:
        profile = mbo_profile(standards)
    except (GatewayError, OSError, ValueError) as exc:
        raise TargetError(str(exc)) from exc
    try:
        sample = int(target.option("sample") or 5)
    except ValueError as exc:
        raise TargetError("--option sample= takes a whole number") from exc
    http = HttpRecorder.from_target(target)
    try:  # unreachable is the supplier's setup (exit 2), not a crash in every check
        http.request("GET", f"/persons/{uuid.uuid4()}")
    except TargetError:
        http.close()
        raise
    return MboContext(http, profile, role, sample=max(1, sample))
