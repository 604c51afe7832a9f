"""``gateway events tail``: a tenant's events as JSON lines, optionally following the log.

Each line is one CloudEvent in structured JSON form, the same document ``GET /events``
returns, so the output pipes into ``jq`` and friends.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import TextIO

from gateway.events.envelope import to_structured
from gateway.events.log import EventLog

__all__ = ["tail"]

_BATCH = 500


def tail(
    event_log: EventLog,
    tenant: str,
    after: int = 0,
    follow: bool = False,
    poll: float = 0.5,
    out: TextIO | None = None,
    limit: int | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Print the tenant's events after the cursor ``after``, one JSON line each.

    Example::

        cursor = tail(EventLog(engine), "roc-a", after=0)         # what is there, then stop
        tail(EventLog(engine), "roc-a", after=cursor, follow=True)  # and wait for more

    Args:
        event_log: the log to read.
        tenant: whose events.
        after: start after this cursor (outbox sequence number); 0 reads from the start.
        follow: keep polling for new events instead of stopping at the end of the log.
        poll: seconds between polls once caught up (with ``follow``).
        out: where to write; standard output by default.
        limit: stop after this many events (also when following).
        sleep: how to wait between polls (tests pass a fake).

    Returns:
        The cursor after the last event printed: pass it as ``after`` to go on.
    """
    stream = sys.stdout if out is None else out
    cursor, printed = after, 0
    while limit is None or printed < limit:
        want = _BATCH if limit is None else min(_BATCH, limit - printed)
        page = event_log.read(tenant, after=cursor, limit=want)
        for event in page.events:
            line = json.dumps(to_structured(event), separators=(",", ":"), ensure_ascii=False)
            stream.write(line + "\n")
        if page.events:
            stream.flush()
        printed += len(page.events)
        cursor = page.cursor
        if len(page.events) < want:  # caught up
            if not follow:
                break
            sleep(poll)
    return cursor
