"""Translate kafka-python's exceptions into the gateway's classes, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kafka import errors as kerr

from gateway.errors import ConfigurationError, FatalUpstreamError, RetriableUpstreamError

__all__ = ["FATAL_KAFKA_ERRORS", "map_kafka_errors"]

#: Errors no retry will cure: wrong credentials, missing rights, a record the broker refuses.
FATAL_KAFKA_ERRORS: tuple[type[Exception], ...] = (
    kerr.TopicAuthorizationFailedError,
    kerr.ClusterAuthorizationFailedError,
    kerr.TransactionalIdAuthorizationFailedError,
    kerr.MessageSizeTooLargeError,
    kerr.RecordListTooLargeError,
    kerr.InvalidTopicError,
    kerr.UnsupportedVersionError,
)
_CONFIG_ERRORS: tuple[type[Exception], ...] = (
    kerr.KafkaConfigurationError,
    kerr.SaslAuthenticationFailedError,
)


@contextmanager
def map_kafka_errors(what: str) -> Iterator[None]:
    """Re-raise kafka-python errors as Configuration/Fatal/RetriableUpstreamError."""
    try:
        yield
    except _CONFIG_ERRORS as exc:
        raise ConfigurationError(f"{what}: {exc}") from exc
    except FATAL_KAFKA_ERRORS as exc:
        raise FatalUpstreamError(f"{what}: {exc}") from exc
    except (kerr.KafkaError, OSError, TimeoutError) as exc:
        raise RetriableUpstreamError(f"{what}: {exc}") from exc
