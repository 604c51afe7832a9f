"""The retry policy for upstream HTTP calls: only what may heal, as long as the server asks.

Only :class:`~gateway.errors.RetriableUpstreamError` is retried (429, 5xx, timeouts and
broken connections, see :mod:`.http_errors`); a 4xx or a bad reply fails at once. The
wait is the server's ``Retry-After`` when it sent one, else a capped exponential backoff
with jitter. A ``Retry-After`` beyond ``max_retry_after`` ends the attempts at once: the
error keeps ``retry_after``, so a scheduler can come back when the server said.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.stop import stop_base
from tenacity.wait import wait_exponential_jitter

from gateway.errors import RetriableUpstreamError

__all__ = ["upstream_retrying"]

log = logging.getLogger(__name__)


def upstream_retrying(
    *, max_attempts: int = 5, max_backoff: float = 30.0, max_retry_after: float = 300.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Retrying:
    """A tenacity ``Retrying`` with the policy of the module docstring.

    Example::

        retrying = upstream_retrying(max_attempts=3)
        document = retrying(fetch, "/programs")

    Args:
        max_attempts: attempts per call, the first included.
        max_backoff: cap of the exponential backoff, in seconds.
        max_retry_after: the longest ``Retry-After`` that is waited for.
        sleep: waits between attempts; tests pass a recorder.
    """
    return Retrying(
        retry=retry_if_exception_type(RetriableUpstreamError),
        stop=stop_after_attempt(max_attempts) | _StopIfAskedToWaitLonger(max_retry_after),
        wait=_retry_after_or(wait_exponential_jitter(multiplier=0.5, max=max_backoff,
                                                     jitter=0.5)),
        sleep=sleep,
        before_sleep=_log_retry,
        reraise=True,
    )


def _retry_after_or(fallback: Callable[[RetryCallState], float]) -> Callable[
    [RetryCallState], float
]:
    """Wait as long as the server asked (``Retry-After``), else the exponential backoff."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetriableUpstreamError) and exc.retry_after is not None:
            return exc.retry_after
        return fallback(state)

    return wait


class _StopIfAskedToWaitLonger(stop_base):
    """Stop at once when the server asks to come back later than ``limit`` seconds."""

    def __init__(self, limit: float) -> None:
        self.limit = limit

    def __call__(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        delay = exc.retry_after if isinstance(exc, RetriableUpstreamError) else None
        return delay is not None and delay > self.limit


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("%s; attempt %d failed, next in %.1fs", exc, state.attempt_number, wait)
