"""OneRoster 1.2 out: the rostering REST service and the CSV bundle download.

The app includes :data:`router` (both); see :mod:`.rostering`, :mod:`.nested` and
:mod:`.bundle`; :mod:`.nested` ends with the catch-all for unknown paths, so it
comes after :mod:`.rostering`.
"""

from __future__ import annotations

from fastapi import APIRouter

from gateway.api.routers.oneroster import bundle, nested, rostering

__all__ = ["router"]

router = APIRouter()
router.include_router(rostering.router)
router.include_router(nested.router)
router.include_router(bundle.router)
