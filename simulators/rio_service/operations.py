"""The RIO operations the simulator implements, each: request -> (answer payload, outcome).

Beheren: ``aanleveren_aangebodenOpleiding`` (full state: the stored record is replaced
whole, so cohorts left out are gone) and ``verwijderen_aangebodenOpleiding``. Raadplegen:
``opvragen_aangebodenOpleiding`` and ``opvragen_aangebodenOpleidingenVanOrganisatie``
(paged, pages count from 0). The sender is the OIN of ``wsa:From``; the document's
``verzendendeInstantie`` must name the same party.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from gateway.adapters.rio.soap import Addressing
from simulators.rio_service.messages import (
    beheren_response,
    opvragen_lijst_response,
    opvragen_response,
)
from simulators.rio_service.rules import (
    ONBEKENDE_AANGEBODEN_OPLEIDING,
    VERZENDER_ONJUIST,
    Foutmelding,
    check_aangeboden_opleiding,
)
from simulators.rio_service.state import RioState

if TYPE_CHECKING:
    from simulators.rio_service.service import SimulatorConfig

__all__ = ["OPERATIONS", "Request"]


@dataclass(frozen=True)
class Request:
    """A request that passed the security, addressing and XSD checks."""

    operation: str
    addressing: Addressing
    sender: str
    payload: etree._Element


Handler = Callable[[Request, "SimulatorConfig", RioState], tuple[etree._Element, str]]


def _text(element: etree._Element, name: str) -> str:
    found = next((c for c in element if isinstance(c.tag, str)
                  and etree.QName(c).localname == name), None)
    return (found.text or "").strip() if found is not None else ""


def _sender_check(request: Request) -> list[Foutmelding]:
    stated = _text(request.payload, "verzendendeInstantie")
    if stated == request.sender:
        return []
    return [Foutmelding(VERZENDER_ONJUIST,
                        "De verzendende instantie is niet de afzender van het bericht.",
                        (("verzendendeInstantie", stated[:25]),))]


def _unknown(code: str) -> Foutmelding:
    return Foutmelding(ONBEKENDE_AANGEBODEN_OPLEIDING,
                       "De aangeboden opleiding is niet bekend bij deze instantie.",
                       (("aangebodenOpleidingCode", code[:25]),))


def aanleveren(request: Request, config: SimulatorConfig, state: RioState) -> tuple[
    etree._Element, str
]:
    offering = next(c for c in request.payload if isinstance(c.tag, str)
                    and etree.QName(c).localname.startswith("aangeboden"))
    errors = _sender_check(request) + check_aangeboden_opleiding(offering, config.known_crebos)
    if not errors:
        state.store(_text(offering, "onderwijsaanbiedercode"),
                    _text(offering, "aangebodenOpleidingCode"), request.sender, offering)
    answer = beheren_response(request.operation, sender=config.oin, receiver=request.sender,
                              foutmeldingen=errors)
    return answer, "rejected" if errors else "accepted"


def verwijderen(request: Request, config: SimulatorConfig, state: RioState) -> tuple[
    etree._Element, str
]:
    code = _text(request.payload, "aangebodenOpleidingCode")
    errors = _sender_check(request)
    if not errors and not state.remove(request.sender, code):
        errors = [_unknown(code)]
    answer = beheren_response(request.operation, sender=config.oin, receiver=request.sender,
                              foutmeldingen=errors)
    return answer, "rejected" if errors else "accepted"


def opvragen(request: Request, config: SimulatorConfig, state: RioState) -> tuple[
    etree._Element, str
]:
    code = _text(request.payload, "aangebodenOpleidingCode")
    found = state.find(request.sender, code)
    answer = opvragen_response(found[1] if found else None, sender=config.oin,
                               receiver=request.sender,
                               foutmeldingen=() if found else (_unknown(code),))
    return answer, "found" if found else "not-found"


def opvragen_lijst(request: Request, config: SimulatorConfig, state: RioState) -> tuple[
    etree._Element, str
]:
    aanbieder = _text(request.payload, "onderwijsaanbiedercode")
    page = int(_text(request.payload, "pagina") or 0)
    held = [found[1] for code in state.codes(aanbieder)
            if (found := state.find(request.sender, code)) is not None]
    pages = max(1, math.ceil(len(held) / config.page_size))
    chunk = held[page * config.page_size:(page + 1) * config.page_size]
    answer = opvragen_lijst_response(chunk, page=page, pages=pages, total=len(held),
                                     sender=config.oin, receiver=request.sender)
    return answer, "listed"


OPERATIONS: dict[str, Handler] = {
    "aanleveren_aangebodenOpleiding": aanleveren,
    "verwijderen_aangebodenOpleiding": verwijderen,
    "opvragen_aangebodenOpleiding": opvragen,
    "opvragen_aangebodenOpleidingenVanOrganisatie": opvragen_lijst,
}
