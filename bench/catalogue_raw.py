"""The raw limit of the catalogue sync: the same requests, parsed and validated, nothing else.

A bare ``httpx.Client`` makes the requests a full sync makes (the token, then every page of
``/education-specifications``, ``/programs``, each program's ``/programs/{id}/offerings``
and ``/courses``, pageSize 250), ``json.loads`` each page and validates each item with
``OoapiSchemas.validate``, the validation the sync itself runs. Every item must be valid.
It keeps each page's bytes, so :func:`parse_and_validate` can time the same work without
HTTP.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from gateway.adapters.ooapi.catalogue_source import ALL_OFFERINGS_SINCE
from gateway.adapters.ooapi.client import resource_path
from gateway.adapters.ooapi.codec import OoapiSchemas

__all__ = ["PAGE_SIZE", "Fetched", "fetch_and_validate", "parse_and_validate"]

PAGE_SIZE = 250  # the SourceConfig default, and the largest pageSize OOAPI v5 allows


@dataclass
class Fetched:
    """What the raw client read: documents, requests and every page body (for re-parsing)."""

    documents: int = 0
    requests: int = 0
    bodies: list[tuple[str, bytes]] = field(default_factory=list)


def _pages(http: httpx.Client, path: str, params: dict[str, str], out: Fetched
           ) -> Iterator[tuple[bytes, dict[str, Any]]]:
    number = 1
    while True:
        reply = http.get(path, params={**params, "pageSize": PAGE_SIZE, "pageNumber": number})
        reply.raise_for_status()
        out.requests += 1
        page = json.loads(reply.content)
        yield reply.content, page
        if not page["hasNextPage"] or not page["items"]:
            return
        number += 1


def fetch_and_validate(base_url: str, client_id: str, secret: str, schemas: OoapiSchemas
                       ) -> tuple[Fetched, float]:
    """Seconds for a bare client to read and validate what a full sync reads."""
    out = Fetched()
    since = {"since": ALL_OFFERINGS_SINCE.isoformat()}
    with httpx.Client(base_url=base_url, timeout=30) as http:
        start = time.perf_counter()
        token = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(client_id, secret))
        token.raise_for_status()
        out.requests += 1
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

        def read(path: str, schema: str, params: dict[str, str]) -> list[dict[str, Any]]:
            items = []
            for body, page in _pages(http, path, params, out):
                out.bodies.append((schema, body))
                for item in page["items"]:
                    assert not schemas.validate(schema, item), f"{schema} fails its schema"
                    items.append(item)
            out.documents += len(items)
            return items

        read("/education-specifications", "EducationSpecification", {})
        for program in read("/programs", "Program", {}):
            path = resource_path("programs", program["programId"], "offerings")
            read(path, "ProgramOffering", since)
        read("/courses", "Course", {})
        seconds = time.perf_counter() - start
    return out, seconds


def parse_and_validate(fetched: Fetched, schemas: OoapiSchemas) -> float:
    """Seconds to parse the same page bodies and validate their items, without HTTP."""
    start = time.perf_counter()
    for schema, body in fetched.bodies:
        for item in json.loads(body)["items"]:
            assert not schemas.validate(schema, item), f"{schema} fails its schema"
    return time.perf_counter() - start
