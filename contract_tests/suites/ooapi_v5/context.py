"""What the ``ooapi-v5`` checks share: the recording client, the official schemas, and the
collections the endpoint offers, discovered once with one small request each.

A supplier need not offer every OOAPI list: a list answering 404, 405 or 501 is taken as
not offered and its checks are skipped (name the lists with ``--option collections=...``
to make a 404 a finding instead). Checks sample at most ``sample`` items per list
(default 10) and walk at most ``max_pages`` pages (default 5), so a run costs a bounded
number of requests whatever the size of the catalogue.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Any

from contract_tests.checks import NotApplicable
from contract_tests.http import NOT_JSON, Exchange, HttpRecorder
from contract_tests.target import Target, TargetError
from gateway.adapters.ooapi.codec import OoapiSchemas, ooapi_schemas
from gateway.adapters.ooapi.spec_document import load_spec_document
from gateway.adapters.standards import Standards
from gateway.errors import GatewayError

__all__ = ["Collection", "OoapiContext", "build_context", "standards_for"]

#: Answers that mean "this list is not offered" (when the supplier did not name its lists).
NOT_OFFERED = (404, 405, 501)
#: Lists the mbo profile adds to the official ones.
MBO_LIST_ITEMS = {"/offerings": "Offering", "/components": "Component"}


@dataclass(frozen=True)
class Collection:
    """One list endpoint the target offers."""

    path: str  # "/programs"
    id_key: str  # "programId"
    item_path: str | None  # "/programs/{programId}" when the spec has it
    sorts: tuple[str, ...]  # the spec's enum for ``sort``
    params: frozenset[str]  # the query parameters the spec gives the list

    def item_url(self, ident: str) -> str:
        """The path of one item of this list."""
        return f"{self.path}/{ident}"


def standards_for(target: Target, suite: str = "ooapi-v5") -> Standards:
    """The folder of official files: ``standards_dir`` option, else the gateway's settings.

    The package does not bundle the official files (they are published by their owners);
    the supplier names where they are.

    Raises:
        TargetError: neither names an existing folder.
    """
    named = target.option("standards_dir") or os.environ.get("GATEWAY_STANDARDS_DIR")
    if not named:
        try:
            from gateway.settings import Settings

            configured = Settings().standards_dir
        except Exception:  # noqa: BLE001 - any settings failure means "not configured"
            configured = None
        named = str(configured) if configured else None
    if not named or not Path(named).is_dir():
        where = f"{named} is not a folder" if named else "no standards folder was named"
        raise TargetError(f"the {suite} suite validates against the official ooapi.json and "
                          f"mbo profile, which gateway-contract does not bundle ({where}): "
                          "pass --option standards_dir=PATH (the folder holding ooapi-v5/ "
                          "and ooapi-v5-mbo/) or set GATEWAY_STANDARDS_DIR")
    return Standards(Path(named))


def _parameters(operation: dict[str, Any], document: dict[str, Any]) -> list[dict[str, Any]]:
    """The operation's parameters with ``#/components/parameters`` references resolved."""
    found = []
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            name = parameter["$ref"].rsplit("/", 1)[-1]
            parameter = document.get("components", {}).get("parameters", {}).get(name, {})
        found.append(parameter)
    return found


@functools.lru_cache(maxsize=4)
def _spec(standards: Standards) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The converted paths (with the mbo lists), the mbo profile, and the raw ``ooapi.json``
    (the conversion keeps responses only; parameters are read from the published file)."""
    document, mbo = load_spec_document(standards)
    with standards.ooapi_json.open(encoding="utf-8") as handle:
        raw = json.load(handle)
    return document, mbo, raw


class OoapiContext:
    """The shared state of one ``ooapi-v5`` run (see the module docstring)."""

    def __init__(self, http: HttpRecorder, schemas: OoapiSchemas, document: dict[str, Any],
                 mbo: dict[str, Any], raw: dict[str, Any], *, sample: int = 10, max_pages: int = 5,
                 named: tuple[str, ...] | None = None) -> None:
        self.http = http
        self.schemas = schemas
        self.document = document
        self.mbo = mbo
        self.raw = raw
        self.sample_size = sample
        self.max_pages = max_pages
        self.named = named
        self._collections: list[Collection] | None = None

    # -- discovery -------------------------------------------------------------------------

    def _describe(self, path: str) -> Collection | None:
        operation = self.document["paths"].get(path, {}).get("get")
        if operation is None:
            return None
        name = self.schemas.item_schema_name(path) or MBO_LIST_ITEMS.get(path)
        if name is None:
            return None
        id_key = name[0].lower() + name[1:] + "Id"
        item_path = f"{path}/{{{id_key}}}"
        source = self.mbo if path in MBO_LIST_ITEMS else self.raw  # the mbo lists: its file
        parameters = _parameters(source.get("paths", {}).get(path, {}).get("get", {}), source)
        sorts: tuple[str, ...] = ()
        for parameter in parameters:
            if parameter.get("name") == "sort":
                sorts = tuple(parameter.get("schema", {}).get("items", {}).get("enum", ()))
        return Collection(path, id_key,
                          item_path if item_path in self.document["paths"] else None,
                          sorts, frozenset(str(p.get("name")) for p in parameters))

    def candidate_paths(self) -> list[str]:
        """The lists to try: the named ones, else every top-level list of the spec."""
        if self.named:
            return list(self.named)
        return [p for p, item in self.document["paths"].items()
                if p.count("/") == 1 and "{" not in p and p != "/" and "get" in item
                and self._describe(p) is not None]

    @property
    def collections(self) -> list[Collection]:
        """The lists the target offers (one GET of each first page, cached)."""
        if self._collections is None:
            found = []
            for path in self.candidate_paths():
                described = self._describe(path)
                if described is None:
                    continue
                reply = self.first_page(described)
                if self.named or reply.status not in NOT_OFFERED:
                    found.append(described)
            self._collections = found
        return self._collections

    def offered(self) -> list[Collection]:
        """The offered lists, for a rule about lists.

        Raises:
            NotApplicable: no list answered: the rule has nothing to look at (the check
                ``ooapi-v5.schema.collections`` fails for it).
        """
        if not self.collections:
            raise NotApplicable("no OOAPI list answered (ooapi-v5.schema.collections "
                                "reports it)")
        return self.collections

    def collection(self, path: str) -> Collection | None:
        """The offered list at ``path``, or None."""
        return next((c for c in self.collections if c.path == path), None)

    # -- fetching --------------------------------------------------------------------------

    def first_page(self, collection: Collection) -> Exchange:
        return self.page(collection.path, 1, 10)

    def page(self, path: str, number: int, size: int, **params: str) -> Exchange:
        """One page of a list (cached for the run)."""
        return self.http.get(path, {"pageSize": size, "pageNumber": number, **params})

    def items(self, exchange: Exchange) -> list[dict[str, Any]]:
        """The ``items`` of a page reply that parsed; [] otherwise."""
        body = exchange.json() if exchange.status == 200 else NOT_JSON
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            return []
        return [item for item in body["items"] if isinstance(item, dict)]

    def sample(self, collection: Collection) -> list[dict[str, Any]]:
        """Up to ``sample`` items of the list, from its first page(s)."""
        size = 10 if self.sample_size <= 10 else 50
        return self.items(self.page(collection.path, 1, size))[: self.sample_size]

    def sample_offerings(self) -> Iterator[tuple[Exchange, int, dict[str, Any]]]:
        """Offerings of ``/offerings`` (of each ``offeringType``) and of sampled programs and
        courses, with the page each came from and its index there; at most 2 x ``sample``."""
        pages: list[Exchange] = []
        listing = self.collection("/offerings")
        if listing is not None and "offeringType" in listing.params:
            pages += [self.page(listing.path, 1, 10, offeringType=kind)  # every kind
                      for kind in ("program", "course", "component")]
        elif listing is not None:
            pages.append(self.page(listing.path, 1, 10))
        for parent in ("/programs", "/courses"):
            owner = self.collection(parent)
            if owner is not None:
                pages += [self.page(f"{parent}/{item.get(owner.id_key)}/offerings", 1, 10)
                          for item in self.sample(owner)[:3]]
        seen: set[str] = set()
        # round robin over the pages, so every kind and parent is in the sample
        for row in zip_longest(*(list(enumerate(self.items(p))) for p in pages)):
            for exchange, entry in zip(pages, row, strict=True):
                key = str(entry[1].get("offeringId")) if entry else None
                if entry is None or key is None or key in seen:
                    continue
                if len(seen) >= self.sample_size * 2:
                    return
                seen.add(key)
                yield exchange, entry[0], entry[1]

    def close(self) -> None:
        self.http.close()


def build_context(target: Target) -> OoapiContext:
    """The context of a run (the runner calls it once).

    Raises:
        TargetError: no base URL, no standards folder, or refused credentials.
    """
    target.require_base_url()
    standards = standards_for(target)
    try:
        schemas = ooapi_schemas(standards)
        document, mbo, raw = _spec(standards)
    except (GatewayError, OSError, ValueError) as exc:
        raise TargetError(str(exc)) from exc
    named = target.option("collections")
    try:
        sample = int(target.option("sample") or 10)
        max_pages = int(target.option("max_pages") or 5)
    except ValueError as exc:
        raise TargetError("--option sample= and max_pages= take whole numbers") from exc
    http = HttpRecorder.from_target(target)
    try:
        http.get("/")  # unreachable is the supplier's setup (exit 2), not 23 crashed checks
    except TargetError:
        http.close()
        raise
    return OoapiContext(
        http, schemas, document, mbo, raw, sample=max(1, sample), max_pages=max(2, max_pages),
        named=tuple(p.strip() for p in named.split(",") if p.strip()) if named else None)
