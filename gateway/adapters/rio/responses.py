"""RIO's answers, read safely into typed results; and the opvragen (Raadplegen) requests.

    parse_beheren_response(body, standards)    -> BeherenResult   (aanleveren/verwijderen)
    parse_opvragen_response(body, standards)   -> OpvragenResult  (one aangeboden opleiding)
    parse_opvragen_lijst_response(body, ...)   -> OpvragenLijstResult (a page of an organisation's)
    build_opvragen(tenant, code, standards=)          -> bytes  (from :mod:`.raadplegen`)
    build_opvragen_lijst(tenant, page, standards=)    -> bytes  (from :mod:`.raadplegen`)

``body`` is the RIO message, a whole SOAP 1.1 envelope (its Body's first element is read), or
an element the transport already parsed with :func:`gateway.adapters.rio.xml.parse_xml`.
Answers are validated against DUO's XSD. This module is the boundary for what DUO sends:
hostile, malformed or XSD-invalid answers raise :class:`RioResponseError` (a
``FatalUpstreamError``: do not retry, dead-letter it); a SOAP Fault raises
``RetriableUpstreamError``. ``requestGoedgekeurd=false`` is not an exception here: the result
carries DUO's ``foutmelding`` codes and texts for the caller to dead-letter and quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from gateway.adapters.rio.aangeboden_opleiding import RioOffering, read_aangeboden_opleiding
from gateway.adapters.rio.codec import SOAP11_NS, validate_element
from gateway.adapters.rio.raadplegen import build_opvragen, build_opvragen_lijst
from gateway.adapters.rio.xml import MalformedXmlError, UnsafeXmlError, parse_xml
from gateway.adapters.standards import Standards
from gateway.errors import FatalUpstreamError, RetriableUpstreamError

__all__ = [
    "BeherenResult",
    "Foutmelding",
    "OpvragenLijstResult",
    "OpvragenResult",
    "RioResponseError",
    "build_opvragen",
    "build_opvragen_lijst",
    "parse_beheren_response",
    "parse_opvragen_lijst_response",
    "parse_opvragen_response",
]


class RioResponseError(FatalUpstreamError):
    """DUO's answer cannot be trusted or read: hostile, malformed or not per the XSD."""

    code = "rio-response-invalid"


@dataclass(frozen=True)
class Foutmelding:
    """One business error of DUO: ``foutcode``, ``fouttekst`` and the keys it concerns."""

    code: str
    text: str
    keys: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BeherenResult:
    """The answer to aanleveren/verwijderen: accepted, or rejected with foutmeldingen."""

    operation: str
    accepted: bool
    document_id: str
    foutmeldingen: tuple[Foutmelding, ...] = ()


@dataclass(frozen=True)
class OpvragenResult:
    """The answer to opvragen_aangebodenOpleiding: the offering, or why there is none."""

    accepted: bool
    offering: RioOffering | None
    foutmeldingen: tuple[Foutmelding, ...] = ()


@dataclass(frozen=True)
class OpvragenLijstResult:
    """One page of opvragen_aangebodenOpleidingenVanOrganisatie (pages count from 0)."""

    accepted: bool
    offerings: tuple[RioOffering, ...] = ()
    foutmeldingen: tuple[Foutmelding, ...] = ()
    page: int = 0
    pages: int = 1
    total: int = field(default=0)

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


def _message(body: bytes | etree._Element, standards: Standards, expected: str) -> etree._Element:
    try:
        root = parse_xml(body) if isinstance(body, bytes | bytearray) else body
    except (UnsafeXmlError, MalformedXmlError) as exc:
        raise RioResponseError(f"RIO answer refused: {exc.message}") from exc
    element: etree._Element | None = root
    if etree.QName(root).namespace == SOAP11_NS:
        bodies = root.findall(f"{{{SOAP11_NS}}}Body")
        element = next((c for b in bodies for c in b if isinstance(c.tag, str)), None)
    if element is None:
        raise RioResponseError("RIO answer holds no message")
    if etree.QName(element).localname == "Fault" and etree.QName(element).namespace == SOAP11_NS:
        code = element.findtext("faultcode") or "?"
        raise RetriableUpstreamError(f"RIO answered with a SOAP Fault {code}: "
                                     f"{element.findtext('faultstring') or ''}".strip())
    name = etree.QName(element).localname
    if name != expected:
        raise RioResponseError(f"expected a RIO {expected}, got {name}")
    errors = validate_element(element, standards)
    if errors:
        raise RioResponseError(
            f"RIO answer fails the XSD ({len(errors)} error(s)); first: {errors[0]}",
            errors=[e.as_dict() for e in errors],
        )
    return element


def _local(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == name]


def _text(element: etree._Element, name: str) -> str:
    found = _local(element, name)
    return (found[0].text or "").strip() if found else ""


def _foutmeldingen(element: etree._Element) -> tuple[Foutmelding, ...]:
    return tuple(
        Foutmelding(
            code=_text(fout, "foutcode"),
            text=_text(fout, "fouttekst"),
            keys=tuple((_text(k, "sleutelnaam"), _text(k, "sleutelwaarde"))
                       for k in _local(fout, "sleutelgegeven")),
        )
        for fout in _local(element, "foutmelding")
    )


def _accepted(element: etree._Element) -> bool:
    return _text(element, "requestGoedgekeurd") in ("true", "1")


def parse_beheren_response(
    body: bytes | etree._Element, standards: Standards,
    operation: str = "aanleveren_aangebodenOpleiding",
) -> BeherenResult:
    """Read the answer to ``operation`` (``aanleveren_...`` or ``verwijderen_...``).

    Raises:
        RioResponseError: hostile, malformed, another message, or not per the XSD.
        RetriableUpstreamError: the answer is a SOAP Fault.
    """
    element = _message(body, standards, f"{operation}_response")
    return BeherenResult(
        operation=operation,
        accepted=_accepted(element),
        document_id=_text(element, "identificatiecodeBedrijfsdocument"),
        foutmeldingen=_foutmeldingen(element),
    )


def parse_opvragen_response(body: bytes | etree._Element, standards: Standards) -> OpvragenResult:
    """Read the answer to ``opvragen_aangebodenOpleiding`` (Raadplegen).

    Raises:
        RioResponseError: hostile, malformed, another message, or not per the XSD.
        RetriableUpstreamError: the answer is a SOAP Fault.
    """
    element = _message(body, standards, "opvragen_aangebodenOpleiding_response")
    found = [c for c in element if isinstance(c.tag, str)
             and etree.QName(c).localname.startswith("aangeboden")]
    offering = read_aangeboden_opleiding(found[0]) if found else None
    return OpvragenResult(_accepted(element), offering, _foutmeldingen(element))


def parse_opvragen_lijst_response(
    body: bytes | etree._Element, standards: Standards
) -> OpvragenLijstResult:
    """Read one page of ``opvragen_aangebodenOpleidingenVanOrganisatie``.

    Only ``aangebodenMboOpleiding`` elements are read; other kinds are not the gateway's.
    """
    element = _message(body, standards, "opvragen_aangebodenOpleidingenVanOrganisatie_response")
    mbo = _local(element, "aangebodenMboOpleiding")
    offerings = tuple(read_aangeboden_opleiding(c) for c in mbo)
    paging = _local(element, "paginering")
    page, pages, total = 0, 1, len(offerings)
    if paging:
        page = int(_text(paging[0], "pagina") or 0)
        pages = int(_text(paging[0], "aantalPaginas") or 1)
        total = int(_text(paging[0], "aantalResultaten") or total)
    return OpvragenLijstResult(_accepted(element), offerings, _foutmeldingen(element),
                               page, pages, total)
