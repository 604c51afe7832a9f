"""What every OOAPI route needs: the caller's tenant, the catalogue queries and paging.

The tenant comes from the bearer token (scope ``catalogue:read``), never from a parameter,
so one school's client cannot read another's catalogue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends
from starlette.responses import JSONResponse

from gateway.api.deps import GatewayDep, Principal, require_scope
from gateway.mappings.ooapi_v5_institution import Institution
from gateway.settings import Settings
from gateway.store.catalogue_filters import PageSlice
from gateway.store.catalogue_queries import CatalogueQueries

__all__ = ["SCOPE", "Catalogue", "CatalogueDep", "contact_email", "page_response"]

#: The scope a client needs to read the catalogue over OOAPI.
SCOPE = "catalogue:read"


@dataclass(frozen=True)
class Catalogue:
    """One request's view of one tenant's catalogue."""

    institution: Institution
    queries: CatalogueQueries
    #: The gateway's today: the default ``since`` of offering listings ("future offerings").
    today: date
    settings: Settings

    @property
    def tenant(self) -> str:
        return self.institution.tenant


def _catalogue(
    principal: Annotated[Principal, Depends(require_scope(SCOPE))], gateway: GatewayDep
) -> Catalogue:
    config = gateway.settings.tenant(principal.tenant)
    institution = Institution(
        tenant=principal.tenant,
        name=config.name if config else principal.tenant,
        brin=config.brin if config else None,
        onderwijsaanbiedercode=config.onderwijsaanbiedercode if config else None,
    )
    return Catalogue(institution, CatalogueQueries(gateway.engine), gateway.clock().date(),
                     gateway.settings)


CatalogueDep = Annotated[Catalogue, Depends(_catalogue)]


def contact_email(settings: Settings) -> str:
    """The service owner's address: ``ooapi_contact_email``, else ``ooapi@`` the host of
    ``public_base_url``."""
    host = urlsplit(settings.public_base_url).hostname or "localhost"
    return settings.ooapi_contact_email or f"ooapi@{host}"


def page_response(items: list[dict[str, Any]], total: int, page: PageSlice) -> JSONResponse:
    """A collection page: the ``Pagination`` fields and the ``items``."""
    return JSONResponse({
        "pageSize": page.size,
        "pageNumber": page.number,
        "hasPreviousPage": page.number > 1,
        "hasNextPage": page.offset + page.size < total,
        "totalPages": math.ceil(total / page.size),
        "items": items,
    })
