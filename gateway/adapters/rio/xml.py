"""Safe XML for everything RIO sends back (and every document a user hands to the tools).

XML parsers do dangerous things by default: expand entities (billion laughs), read files
and URLs named in a DTD (XXE), and build trees of any size. Here every document goes through
one parser that does none of that, and a document that even *declares* a DTD or an entity
is refused outright: RIO's messages never carry one, so one that does is hostile or broken.

    parse_xml(data)            -> lxml root element; raises UnsafeXmlError / MalformedXmlError
    load_schema(path)          -> xmlschema.XMLSchema, defused, no remote includes, cached

Limits, in the order they are checked:

1. size: ``max_bytes`` (default 10 MiB) before a byte is parsed;
2. prescan: a ``<!DOCTYPE`` or ``<!ENTITY`` anywhere (in UTF-8 or UTF-16/32; even in a
   comment or CDATA section, which RIO has no use for), or an XML
   declaration naming an encoding outside a short allowlist, is refused unparsed. This is
   not belt and braces: libxml2 opens files named by parameter entities of an internal
   subset even with ``load_dtd=False``, so a DTD must never reach the parser;
3. parser: lxml >= 6.1 with ``resolve_entities=False, no_network=True, load_dtd=False,
   huge_tree=False`` (libxml2's own cap of 256 levels and its amplification guards stay on);
4. after parsing, a DOCTYPE, a DTD or an entity reference still found: refused;
5. depth: ``max_depth`` (default 64) levels of elements; RIO messages need about ten.

Example::

    root = parse_xml(response_body)             # bytes, never str
    schema = load_schema(standards.rio_beheren_xsd)
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree

from gateway.errors import ConfigurationError, ValidationError

__all__ = [
    "MAX_XML_BYTES",
    "MAX_XML_DEPTH",
    "MalformedXmlError",
    "UnsafeXmlError",
    "line_of",
    "load_schema",
    "parse_xml",
]

#: Largest document accepted; an opvragen answer with 999 cohorts is well under 2 MiB.
MAX_XML_BYTES = 10 * 1024 * 1024
#: Deepest element nesting accepted (SOAP envelope + RIO message is about 10 levels).
MAX_XML_DEPTH = 64


_DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
#: Encodings a RIO message (UTF-8) or a user's file may declare; others are refused.
SAFE_ENCODINGS = frozenset({
    "utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1", "iso-8859-15",
    "windows-1252", "cp1252", "utf-16", "utf-16le", "utf-16be",
})
_WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


class UnsafeXmlError(ValidationError):
    """The document is refused unparsed or unread: too big, too deep, or carrying a DTD.

    A transport that gets one from DUO translates it into a ``FatalUpstreamError``.
    """

    code = "xml-refused"


class MalformedXmlError(ValidationError):
    """The bytes are not well-formed XML; ``line`` says where the parser gave up."""

    code = "xml-malformed"

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message, path=f"line {line}" if line else "")
        self.line = line


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        collect_ids=False,
    )


def parse_xml(
    data: bytes, *, max_bytes: int = MAX_XML_BYTES, max_depth: int = MAX_XML_DEPTH
) -> etree._Element:
    """Parse ``data`` with every XML attack refused.

    Args:
        data: the raw document (bytes, so the XML declaration decides the encoding).
        max_bytes: refuse larger documents before parsing.
        max_depth: refuse documents nested deeper than this.

    Returns:
        The root element; ``sourceline`` of each element is kept for error reports.

    Raises:
        UnsafeXmlError: too large, too deep, a DOCTYPE/DTD or an entity reference.
        MalformedXmlError: not well-formed XML.
    """
    if not isinstance(data, bytes | bytearray):
        raise TypeError("parse_xml takes bytes; let the XML declaration name the encoding")
    if len(data) > max_bytes:
        raise UnsafeXmlError(f"XML document of {len(data)} bytes is larger than {max_bytes}")
    if not data.strip():
        raise MalformedXmlError("empty XML document")
    _prescan(bytes(data))
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():
            raise UnsafeXmlError(f"XML document nested too deep: {exc}") from exc
        raise MalformedXmlError(f"not well-formed XML: {exc}", line=exc.lineno) from exc
    docinfo: Any = root.getroottree().docinfo  # lxml-stubs lack DocInfo.doctype
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXmlError("XML document with a DOCTYPE/DTD refused (RIO messages have none)")
    _check_tree(root, max_depth)
    return root


def _prescan(data: bytes) -> None:
    texts = [data]
    if b"\x00" in data:  # UTF-16/32: look at the text in each byte order
        texts += [data.decode(codec, errors="ignore").encode("utf-8") for codec in _WIDE]
    if any(_DECLARATIONS.search(text) for text in texts):
        raise UnsafeXmlError(
            "XML document with a DOCTYPE or ENTITY declaration refused (RIO messages have none)"
        )
    declared = _ENCODING.match(data)
    if declared and declared.group(1).decode("ascii").lower() not in SAFE_ENCODINGS:
        raise UnsafeXmlError(f"XML encoding {declared.group(1).decode('ascii')!r} not accepted")


def line_of(node: etree._Element) -> int | None:
    """The source line of a parsed node, when the parser recorded one."""
    line: object = node.sourceline
    return line if isinstance(line, int) else None


def _check_tree(root: etree._Element, max_depth: int) -> None:
    depth = 0
    for event, node in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        if depth > max_depth:
            raise UnsafeXmlError(
                f"XML document nested deeper than {max_depth} levels "
                f"(line {line_of(node)})"
            )
    # Entity references survive parsing as nodes when entities are not resolved.
    for entity in root.iter(etree.Entity):
        raise UnsafeXmlError(f"XML entity reference {entity.text} refused (line {line_of(entity)})")


@lru_cache(maxsize=8)
def load_schema(path: Path) -> xmlschema.XMLSchema:
    """The XSD at ``path``, loaded once per process, offline and defused.

    ``defuse='always'`` parses the schema files with xmlschema's safe parser, and
    ``allow='sandbox'`` keeps includes and imports inside the schema's own folder: no URL
    is ever fetched.

    Raises:
        ConfigurationError: the file is missing or is not a usable XSD.
    """
    try:
        return xmlschema.XMLSchema(str(path), defuse="always", allow="sandbox")
    except (OSError, xmlschema.XMLSchemaException) as exc:
        raise ConfigurationError(f"cannot load XSD {path}: {exc}") from exc
