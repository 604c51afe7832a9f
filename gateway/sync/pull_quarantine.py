"""The quarantine of one pull run: bad items kept with their raw payload, once each.

A pull reads the same bad item on every run until someone fixes it at the source; it is
put in the quarantine the first time and only counted after that (a fingerprint of kind
and payload, :mod:`.run_quarantine`). A complete full run then closes the rows of its
kinds it did not meet again (:meth:`PullQuarantine.close_unmet`): the item was fixed or
left the source. Raw payloads of persons and associations are personal data: they go to
the quarantine table (operator-visible storage behind the API) and never into a log line
or an exception message; a reason names places in the document, never its values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from gateway.adapters.ooapi.schema_errors import SchemaError
from gateway.store.quarantine import Quarantine
from gateway.sync.run_quarantine import RunQuarantine

__all__ = ["PullQuarantine", "schema_reason"]


def schema_reason(errors: list[SchemaError]) -> str:
    """The reason of a schema failure: up to five places and rules, no values."""
    shown = "; ".join(f"{e.pointer or '/'}: {e.message}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return f"schema: {shown}{more}"


class PullQuarantine(RunQuarantine):
    """Puts one run's bad items (JSON documents) in the quarantine, skipping those already
    waiting there, and closes after a complete full run what it did not meet again.

    Args:
        quarantine: the store's quarantine.
        tenant: the tenant of the run.
        source: the source's name.
        kinds: the kinds this pull quarantines (and so may close); the source's other
            pulls have their own.
    """

    def __init__(self, quarantine: Quarantine, tenant: str, source: str,
                 kinds: Iterable[str]) -> None:
        super().__init__(quarantine, tenant, source, kinds)

    def put(self, kind: str, raw: Any, reason: str, path: str = "") -> int:
        """Count a bad item and keep it as JSON, unless the same item is already kept."""
        payload = json.dumps(raw, ensure_ascii=False, default=str)
        return super().put(kind, payload, reason, path)
