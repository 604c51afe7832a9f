"""The port every event publisher implements, and the in-memory fake that ships with it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from gateway.errors import RetriableUpstreamError
from gateway.events.envelope import OutboundMessage

__all__ = ["EventPublisher", "InMemoryEventPublisher"]


@runtime_checkable
class EventPublisher(Protocol):
    """Sends messages and returns only once every one of them is acknowledged.

    Example::

        publisher.publish([to_message(event) for event in batch])  # raises on any failure
        relay marks the batch published only after this returns
    """

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        """Send ``messages`` in order; per key, order on the broker is kept.

        Raises:
            RetriableUpstreamError: not every message was acknowledged; send them again.
        """
        ...

    def check(self) -> None:
        """Raise RetriableUpstreamError when the broker cannot be reached (readiness)."""
        ...

    def close(self) -> None: ...


class InMemoryEventPublisher:
    """Keeps what it was asked to publish in ``published``; can be told to fail."""

    def __init__(self) -> None:
        self.published: list[OutboundMessage] = []
        self.fail_next: int = 0
        self.closed = False

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        if self.closed:
            raise RetriableUpstreamError("publisher is closed")
        if self.fail_next > 0:
            self.fail_next -= 1
            raise RetriableUpstreamError("simulated broker failure")
        self.published.extend(messages)

    def check(self) -> None:
        if self.closed:
            raise RetriableUpstreamError("publisher is closed")

    def close(self) -> None:
        self.closed = True

    def on_topic(self, topic: str) -> list[OutboundMessage]:
        return [m for m in self.published if m.topic == topic]
