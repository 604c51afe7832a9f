"""Logging hygiene: the redactor, the JSON-lines formatter's allow-list, and configure()."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from gateway.logging import JsonLinesFormatter, PersonalDataFilter, configure, make_handler, redact


@pytest.mark.parametrize(
    "text",
    [
        "jan.de-vries+school@example.nl",
        "born 2003-09-30",
        "born 2003-9-3",
        "born 30-09-2003",
        "born 30/09/2003",
        "born 30.09.2003",
        "born 20030930",
        "born 30 september 2003",
        "born 30 Sep. 2003",
        "geboren 3 mei 2003",
        "call +31 6 12345678",
        "call 0031-6-12345678",
        "call +31 (0)20 123 4567",
        "call 06-12345678",
        "call 020 123 4567",
        "lives at 1234 AB",
        "lives at 1234AB",
    ],
)
def test_personal_data_shapes_are_redacted(text: str) -> None:
    redacted = redact(text)
    assert redacted != text
    assert not any(ch.isdigit() for ch in redacted), redacted
    assert "@" not in redacted


@pytest.mark.parametrize(
    "text",
    [
        "sync roc-a/sis: fetched 1200, changed 3, quarantined 1",
        "person 6f1c3e0a-5d0b-5c55-9a8e-6d626f2d6777 erased",
        "relay: retrying in 2.5s",
        "window opened 2024-05-01T10:00:00+00:00",
        "GET /persons/123/associations page 4",
        "crebo 25168 level 4",
    ],
)
def test_ids_counts_and_timestamps_stay_readable(text: str) -> None:
    assert redact(text) == text


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("gateway.test", logging.WARNING, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_the_filter_redacts_arguments_and_tracebacks() -> None:
    try:
        raise ValueError("no such applicant: jan@example.nl")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord("gateway.test", logging.ERROR, __file__, 1,
                               "refused %s born %s", ("piet@example.org", "2001-02-03"), exc_info)
    assert PersonalDataFilter().filter(record) is True
    assert record.getMessage() == "refused [email] born [date]"
    assert record.exc_text is not None
    assert "ValueError" in record.exc_text
    assert "jan@example.nl" not in record.exc_text
    assert "[email]" in record.exc_text


def test_json_lines_keep_allow_listed_extras_only_and_no_exception_message() -> None:
    try:
        raise KeyError("Maartje van Damme")
    except KeyError:
        import sys

        exc_info = sys.exc_info()
    record = _record("person %s read", "42", tenant="roc-a", count=3,
                     given_name="Maartje", payload={"mail": "m@example.nl"})
    record.exc_info = exc_info
    doc = json.loads(JsonLinesFormatter().format(record))
    assert doc["message"] == "person 42 read"
    assert (doc["tenant"], doc["count"], doc["level"], doc["logger"]) == (
        "roc-a", 3, "WARNING", "gateway.test")
    assert "given_name" not in doc and "payload" not in doc
    assert doc["exception"]["type"] == "KeyError"
    assert doc["exception"]["frames"][0].startswith("test_logging.py:")
    assert "Maartje" not in json.dumps(doc)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    uvicorn = logging.getLogger("uvicorn.error")
    saved_uvicorn = (list(uvicorn.handlers), uvicorn.propagate)
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        if handler not in saved[0]:
            handler.close()
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    uvicorn.handlers[:] = saved_uvicorn[0]
    uvicorn.propagate = saved_uvicorn[1]


@pytest.mark.usefixtures("restore_logging")
def test_configure_routes_every_logger_through_the_redacting_handler() -> None:
    uvicorn = logging.getLogger("uvicorn.error")
    logging.getLogger("uvicorn.access").propagate = False  # as uvicorn's access_log=False
    own = logging.StreamHandler(io.StringIO())
    uvicorn.addHandler(own)
    uvicorn.propagate = False
    out = io.StringIO()
    configure("DEBUG", stream=out)
    logging.getLogger("gateway.some.module").info("applicant %s", "a.b@example.nl")
    uvicorn.error("Exception for 30-09-2003")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["applicant [email]", "Exception for [date]"]
    assert own not in uvicorn.handlers
    assert logging.getLogger("uvicorn.access").propagate is False  # access logs stay off
    own.close()


def test_plain_text_handler_redacts_too() -> None:
    out = io.StringIO()
    handler = make_handler(out, json_lines=False)
    logger = logging.getLogger("gateway.test.plain")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("mail %s", "x@example.nl")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        handler.close()
    assert out.getvalue().rstrip().endswith("gateway.test.plain mail [email]")
