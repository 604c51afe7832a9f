"""Rendered calendar feeds kept in process memory, by their validator.

Every member of a klas subscribes to the same group feed, and their clients poll it
independently: after a change each of them asks for the new body once. The body is a
function of the feed's ETag (target, index stamp, window, display name, renderer: see
:mod:`gateway.api.routers.calendar`), which is its key here, so the first request renders
it and the others get the same bytes from here.

Bounded by bytes (a year of one klas is ~0.5 MiB), least recently used out first; one
cache per engine, so two gateways in one process (tests) never share bodies.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable

from sqlalchemy import Engine

__all__ = ["MAX_BYTES", "FeedCache", "feed_cache"]

#: Default bound of one engine's cache.
MAX_BYTES = 32 * 2**20

_CACHES: weakref.WeakKeyDictionary[Engine, FeedCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


class FeedCache:
    """A thread-safe LRU of feed bodies, at most ``max_bytes`` in all (0: keeps nothing).

    Example::

        body = cache.get(key)
        if body is None:
            body = render()
            cache.put(key, body)
    """

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        """Keep ``body`` under ``key``; one larger than the whole bound is not kept."""
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._bodies.pop(key, None)
            self._size -= len(old) if old is not None else 0
            self._bodies[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, evicted = self._bodies.popitem(last=False)
                self._size -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._bodies)


def feed_cache(engine: Engine) -> FeedCache:
    """The cache of the gateway on ``engine`` (made on first use, gone with the engine)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(engine)
        if cache is None:
            cache = _CACHES[engine] = FeedCache()
        return cache
