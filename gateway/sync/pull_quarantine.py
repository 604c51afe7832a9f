"""The quarantine of one pull run: bad items kept with their raw payload, once each.

A pull reads the same bad item on every run until someone fixes it at the source; it is
put in the quarantine the first time and only counted after that (a fingerprint of kind
and payload). Raw payloads of persons and associations are personal data: they go to the
quarantine table (operator-visible storage behind the API) and never into a log line or
an exception message; a reason names places in the document, never its values.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from gateway.adapters.ooapi.schema_errors import SchemaError
from gateway.store.quarantine import Quarantine

__all__ = ["PullQuarantine", "schema_reason"]


def _fingerprint(kind: str, payload: str) -> str:
    return hashlib.sha256(f"{kind}\x1f{payload}".encode()).hexdigest()


def schema_reason(errors: list[SchemaError]) -> str:
    """The reason of a schema failure: up to five places and rules, no values."""
    shown = "; ".join(f"{e.pointer or '/'}: {e.message}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return f"schema: {shown}{more}"


class PullQuarantine:
    """Puts one run's bad items in the quarantine, skipping those already waiting there.

    Args:
        quarantine: the store's quarantine.
        tenant: the tenant of the run.
        source: the source's name.
    """

    def __init__(self, quarantine: Quarantine, tenant: str, source: str) -> None:
        self.quarantine = quarantine
        self.tenant = tenant
        self.source = source
        self.count = 0
        self._waiting = {_fingerprint(r.kind, r.raw) for r in quarantine.list(tenant)
                         if r.source == source}

    def put(self, kind: str, raw: Any, reason: str, path: str) -> None:
        """Count a bad item and keep it, unless the same item is already kept."""
        self.count += 1
        payload = json.dumps(raw, ensure_ascii=False, default=str)
        fingerprint = _fingerprint(kind[:40], payload)
        if fingerprint in self._waiting:
            return
        self._waiting.add(fingerprint)
        self.quarantine.put(tenant=self.tenant, source=self.source, kind=kind[:40],
                            reason=reason, raw=payload, path=path)
