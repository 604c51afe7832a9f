"""The org's ``dateLastModified``: when this gateway first served the org as it now reads.

The org (the tenant institution) is made from the tenant's configuration (name, BRIN),
which carries no modification time and is not stored, so the data cannot say when it
last changed. The configuration is read once, when the gateway starts: a rename reaches
the service only through a new gateway (a restart). The first moment a gateway serves
an org's content is therefore later than any read of the previous content from an
earlier gateway, and a delta consumer (``dateLastModified>`` its last sync) receives the
renamed org; a restart without a change re-sends an unchanged org, which is harmless.

Not covered: replicas that serve different configurations at once (a rolling deploy) can
each have started before a consumer's last sync; that consumer sees a rename at the next
restart only. A stored record of the org would close this gap (a table and a migration,
outside this module).

The moments are kept per engine (one per gateway) in a weak map, so nothing outlives
its gateway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

__all__ = ["org_modified"]

_SEEN: WeakKeyDictionary[Engine, dict[tuple[str, str, str | None], datetime]] = (
    WeakKeyDictionary())
_LOCK = threading.Lock()


def org_modified(engine: Engine, clock: Callable[[], datetime], *, tenant: str, name: str,
                 brin: str | None) -> datetime:
    """When the gateway of ``engine`` first served this org content (``clock`` then).

    Args:
        engine: the gateway's engine (identifies the gateway).
        clock: the gateway's clock.
        tenant: the tenant id.
        name: the org's name as configured.
        brin: the org's BRIN as configured.

    Returns:
        An aware datetime, the same for every later call with the same content.
    """
    key = (tenant, name, brin)
    with _LOCK:
        seen = _SEEN.setdefault(engine, {})
        if key not in seen:
            seen[key] = clock()
        return seen[key]
