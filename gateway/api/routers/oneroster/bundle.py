"""``GET /ims/oneroster/v1p2/csv``: the tenant's roster as a OneRoster 1.2 CSV bundle (zip).

The binding leaves the transport of the zip open; this path sits beside the REST
service's, under the same scopes. The zip is built streaming into a temporary file
(bounded memory for any school size) and then streamed out; ``since`` (ISO 8601, aware)
asks for a delta bundle instead of the bulk one. Exporting users' names is audited per
person (:func:`~gateway.adapters.oneroster.bundle_export.export_bundle`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from gateway.adapters.oneroster.bundle_export import export_bundle
from gateway.adapters.oneroster.errors import CodeMinor, OneRosterQueryError
from gateway.api.deps import GatewayDep
from gateway.api.routers.oneroster.scopes import RosterReader
from gateway.api.routers.oneroster.status import OneRosterRoute

__all__ = ["router"]

router = APIRouter(prefix="/ims/oneroster/v1p2", tags=["OneRoster 1.2 CSV"],
                   route_class=OneRosterRoute)

_CHUNK = 64 * 1024


def _since(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise OneRosterQueryError("since must be an ISO 8601 date-time",
                                  CodeMinor.INVALID_DATA, parameter="since") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        spool.seek(0)
        while block := spool.read(_CHUNK):
            yield block
    finally:
        spool.close()


@router.get("/csv", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}}}})
def download_bundle(
    gateway: GatewayDep, principal: RosterReader,
    since: Annotated[str | None, Query(description="delta after this moment")] = None,
) -> StreamingResponse:
    """The caller's tenant's roster as a OneRoster 1.2 CSV zip (bulk, or a delta)."""
    after = _since(since)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response's iterator
    try:
        export_bundle(gateway, principal.tenant, spool, client_id=principal.client_id,
                      issuer=principal.issuer, since=after)
    except BaseException:
        spool.close()
        raise
    stamp = gateway.clock().strftime("%Y%m%dT%H%M%SZ")
    filename = f"oneroster-{principal.tenant}-{stamp}.zip"
    return StreamingResponse(_chunks(spool), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})
