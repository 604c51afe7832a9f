"""The gateway's one exception root, classified by what the caller should do.

    GatewayError
     +-- ConfigurationError        fix the settings; nothing will work until then
     +-- ValidationError           the input is wrong; carries the schema path; never retry
     |    +-- DomainRuleError      a canonical fact does not hold (crebo, date order, ...)
     |    +-- TransitionError      a state machine refused a transition
     +-- NotFoundError             the thing asked for does not exist (for this tenant)
     +-- ConflictError             the request clashes with stored state (idempotency key, version)
     +-- AuthError                 credentials missing, invalid or lacking a scope
     +-- UpstreamError             a system we call failed
     |    +-- RetriableUpstreamError   try again later (timeouts, 429, 5xx, broker unavailable)
     |    +-- FatalUpstreamError       do not retry (business rejection, 4xx); dead-letter it
     +-- SkippableRecordError      one record of a batch is bad: quarantine it, go on

Foreign exceptions are translated at the adapter boundary with ``raise ... from exc``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AuthError",
    "ConfigurationError",
    "ConflictError",
    "DomainRuleError",
    "FatalUpstreamError",
    "GatewayError",
    "NotFoundError",
    "RetriableUpstreamError",
    "SkippableRecordError",
    "TransitionError",
    "UpstreamError",
    "ValidationError",
]


class GatewayError(Exception):
    """Root of every error the gateway raises on purpose."""

    #: A short machine-readable slug, used as the problem type of HTTP errors.
    code: str = "gateway-error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class ConfigurationError(GatewayError):
    code = "configuration-error"


class ValidationError(GatewayError):
    """Input that does not conform; ``path`` locates the failure (JSON Pointer or XPath)."""

    code = "validation-error"

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        errors: Sequence[dict[str, Any]] = (),
        **context: Any,
    ) -> None:
        super().__init__(message, **context)
        self.path = path
        self.errors = list(errors) or [{"path": path, "message": message}]


class DomainRuleError(ValidationError):
    code = "domain-rule-violated"


class TransitionError(ValidationError):
    code = "transition-not-allowed"


class NotFoundError(GatewayError):
    code = "not-found"


class ConflictError(GatewayError):
    code = "conflict"


class AuthError(GatewayError):
    """Missing or bad credentials (401) or a missing scope (403, ``forbidden=True``)."""

    code = "unauthorized"

    def __init__(self, message: str, *, forbidden: bool = False, **context: Any) -> None:
        super().__init__(message, **context)
        self.forbidden = forbidden


class UpstreamError(GatewayError):
    code = "upstream-error"


class RetriableUpstreamError(UpstreamError):
    code = "upstream-unavailable"

    def __init__(self, message: str, *, retry_after: float | None = None, **context: Any) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class FatalUpstreamError(UpstreamError):
    code = "upstream-rejected"


class SkippableRecordError(GatewayError):
    """One record is bad; the batch goes on. ``raw`` keeps the payload for the quarantine."""

    code = "record-skipped"

    def __init__(self, message: str, *, raw: Any = None, path: str = "", **context: Any) -> None:
        super().__init__(message, **context)
        self.raw = raw
        self.path = path
