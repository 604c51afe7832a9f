"""Every kafka-python exception is translated into one of the gateway's classes."""

import inspect

import pytest
from kafka import errors as kerr

from gateway.errors import (
    ConfigurationError,
    FatalUpstreamError,
    GatewayError,
    RetriableUpstreamError,
)
from gateway.events.kafka_errors import FATAL_KAFKA_ERRORS, map_kafka_errors

KAFKA_ERRORS = [
    cls for _, cls in inspect.getmembers(kerr, inspect.isclass)
    if issubclass(cls, kerr.KafkaError)
]


@pytest.mark.parametrize("cls", KAFKA_ERRORS, ids=lambda c: c.__name__)
def test_every_kafka_error_is_mapped(cls: type[Exception]) -> None:
    try:
        exc = cls("boom")
    except TypeError:
        exc = cls.__new__(cls)
    with pytest.raises(GatewayError) as info, map_kafka_errors("testing"):
        raise exc
    assert info.value.__cause__ is exc
    if cls in FATAL_KAFKA_ERRORS:
        assert isinstance(info.value, FatalUpstreamError)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [(kerr.KafkaTimeoutError("t"), RetriableUpstreamError),
     (kerr.KafkaConnectionError(), RetriableUpstreamError),
     (ConnectionRefusedError(), RetriableUpstreamError),
     (kerr.TopicAuthorizationFailedError(), FatalUpstreamError),
     (kerr.KafkaConfigurationError("x"), ConfigurationError)],
)
def test_classification(exc: Exception, expected: type[GatewayError]) -> None:
    with pytest.raises(expected), map_kafka_errors("testing"):
        raise exc
