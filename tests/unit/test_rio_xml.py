"""Hostile XML is refused before anything reads it; honest XML parses with line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.adapters.rio.xml import (
    MalformedXmlError,
    UnsafeXmlError,
    line_of,
    load_schema,
    parse_xml,
)
from gateway.errors import ConfigurationError, ValidationError

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<requestGoedgekeurd>&lol9;</requestGoedgekeurd>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<fouttekst>&xxe;</fouttekst>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">
<r>ok</r>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "file:///etc/passwd"> %remote;]>
<r/>"""


@pytest.mark.parametrize(
    "document",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY,
     b'<?xml version="1.0"?><!DOCTYPE r><r/>'],
    ids=["billion-laughs", "external-entity", "external-dtd", "parameter-entity", "doctype"],
)
def test_documents_with_a_dtd_or_entities_are_refused(document: bytes) -> None:
    with pytest.raises(UnsafeXmlError) as caught:
        parse_xml(document)
    assert "passwd" not in caught.value.message
    assert "root:" not in caught.value.message  # nothing of /etc/passwd was read
    assert isinstance(caught.value, ValidationError)


def test_utf16_document_with_a_doctype_is_refused_too() -> None:
    with pytest.raises(UnsafeXmlError):
        parse_xml(EXTERNAL_ENTITY.replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"')
                  .decode("ascii").encode("utf-16"))


def test_oversized_documents_are_refused_before_parsing() -> None:
    big = b"<r>" + b"x" * 2048 + b"</r>"
    with pytest.raises(UnsafeXmlError, match="larger than 1024"):
        parse_xml(big, max_bytes=1024)
    assert parse_xml(big, max_bytes=4096).text == "x" * 2048


def test_deep_nesting_is_refused() -> None:
    deep = b"<a>" * 80 + b"</a>" * 80
    with pytest.raises(UnsafeXmlError, match="deeper than 64"):
        parse_xml(deep)
    very_deep = b"<a>" * 400 + b"</a>" * 400  # libxml2's own guard
    with pytest.raises(UnsafeXmlError, match="too deep"):
        parse_xml(very_deep, max_depth=1000)
    assert parse_xml(b"<a>" * 10 + b"</a>" * 10, max_depth=10).tag == "a"


def test_malformed_documents_report_the_line() -> None:
    with pytest.raises(MalformedXmlError) as caught:
        parse_xml(b"<r>\n<open>\n</r>")
    assert caught.value.line in (2, 3)
    with pytest.raises(MalformedXmlError, match="empty"):
        parse_xml(b"  ")
    with pytest.raises(MalformedXmlError):
        parse_xml(b"<r>&undeclared;</r>")
    with pytest.raises(TypeError):
        parse_xml("<r/>")  # type: ignore[arg-type]


def test_honest_documents_parse_with_source_lines() -> None:
    root = parse_xml(b'<?xml version="1.0" encoding="UTF-8"?>\n<r>\n  <c>&amp;\xc3\xa9</c>\n</r>')
    child = root[0]
    assert child.text == "&\u00e9"
    assert line_of(child) == 3


def test_schemas_load_offline_and_a_bad_path_is_a_configuration_error(tmp_path: Path) -> None:
    remote = tmp_path / "remote.xsd"
    remote.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:include schemaLocation="http://127.0.0.1:9/other.xsd"/></xs:schema>'
    )
    with pytest.raises(ConfigurationError, match="cannot load XSD"):
        load_schema(remote)
    with pytest.raises(ConfigurationError):
        load_schema(tmp_path / "missing.xsd")


def test_exotic_encodings_are_refused() -> None:
    with pytest.raises(UnsafeXmlError, match="encoding 'UTF-7' not accepted"):
        parse_xml(b'<?xml version="1.0" encoding="UTF-7"?><r/>')
    assert parse_xml(b'<?xml version="1.0" encoding="ISO-8859-1"?><r>\xe9</r>').text == "\u00e9"
