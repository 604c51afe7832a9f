"""OOAPI query parameters, read exactly as the specification defines them.

Every parameter an OOAPI path declares is checked against its schema, so a value the
specification does not allow is a 400 naming the parameter, and one it allows is never
refused. Integers are digits only (``+1``, ``1_0`` and ``1.0`` are not integers), dates are
RFC 3339 full-dates, booleans are ``true``/``false``, arrays with ``explode: false`` (``sort``,
``expand``) are comma-separated. Parameters the path does not declare are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from uuid import UUID

from starlette.requests import Request

from gateway.errors import ValidationError
from gateway.store.catalogue_filters import PageSlice, SortKey

__all__ = ["INT32_MAX", "PAGE_SIZES", "QueryParams", "path_uuid"]

PAGE_SIZES = (10, 20, 50, 100, 250)
INT32_MAX = 2**31 - 1
_UUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"^[0-9]+$")
_LANGUAGE = re.compile(r"^[a-z]{3}$")


def _bad(name: str, message: str, where: str = "query") -> ValidationError:
    return ValidationError(f"{name}: {message}", path=f"/{where}/{name}")


def path_uuid(value: str, name: str) -> UUID:
    """A path parameter of format ``uuid``.

    Raises:
        ValidationError: the value is not a UUID in its 8-4-4-4-12 form.
    """
    if not _UUID.match(value):
        raise _bad(name, "must be a UUID", "path")
    return UUID(value)


class QueryParams:
    """The query string of one request, read strictly and by name.

    Example::

        params = QueryParams(request)
        page = params.page()
        since = params.date("since")
    """

    def __init__(self, request: Request) -> None:
        self._params = request.query_params

    def _one(self, name: str) -> str | None:
        """The raw value of a parameter that may be given once.

        Raises:
            ValidationError: the parameter is given more than once.
        """
        values = self._params.getlist(name)
        if len(values) > 1:
            raise _bad(name, "give it at most once")
        return values[0] if values else None

    def text(self, name: str) -> str | None:
        """An unconstrained string parameter; an empty value counts as not given."""
        return self._one(name) or None

    def integer(self, name: str, *, minimum: int = 0, maximum: int = INT32_MAX) -> int | None:
        value = self._one(name)
        if value is None:
            return None
        if not _DIGITS.match(value) or not minimum <= int(value) <= maximum:
            raise _bad(name, f"must be an integer from {minimum} to {maximum}")
        return int(value)

    def page(self) -> PageSlice:
        """``pageSize`` (one of 10, 20, 50, 100, 250; default 10) and ``pageNumber`` (from 1)."""
        size = self.integer("pageSize")
        if size is not None and size not in PAGE_SIZES:
            raise _bad("pageSize", f"must be one of {', '.join(map(str, PAGE_SIZES))}")
        number = self.integer("pageNumber", minimum=1)
        return PageSlice(number=number or 1, size=size or PAGE_SIZES[0])

    def boolean(self, name: str) -> bool | None:
        value = self._one(name)
        if value is None:
            return None
        if value not in ("true", "false"):
            raise _bad(name, "must be true or false")
        return value == "true"

    def date(self, name: str) -> date | None:
        value = self._one(name)
        if value is None:
            return None
        try:
            if not _DATE.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise _bad(name, "must be a date, YYYY-MM-DD") from None

    def uuid(self, name: str) -> UUID | None:
        value = self._one(name)
        if value is None:
            return None
        if not _UUID.match(value):
            raise _bad(name, "must be a UUID")
        return UUID(value)

    def language(self, name: str = "teachingLanguage") -> str | None:
        """A three-letter ISO 639-2 code in lower case (``nld``)."""
        value = self._one(name)
        if value is not None and not _LANGUAGE.match(value):
            raise _bad(name, "must be three lower-case letters (ISO 639-2)")
        return value

    def choice(self, name: str, allowed: Collection[str]) -> str | None:
        value = self._one(name)
        if value is not None and value not in allowed:
            raise _bad(name, f"must be one of: {', '.join(allowed)}")
        return value

    def choices(self, name: str, allowed: Collection[str]) -> list[str]:
        """A repeated parameter (``explode: true``), each value one of ``allowed``."""
        values = self._params.getlist(name)
        for value in values:
            if value not in allowed:
                raise _bad(name, f"each value must be one of: {', '.join(allowed)}")
        return values

    def _comma_list(self, name: str) -> list[str]:
        """The items of a comma-separated array; ``name=`` is one empty (invalid) item."""
        return [item for value in self._params.getlist(name) for item in value.split(",")]

    def expand(self, allowed: Collection[str]) -> frozenset[str]:
        """``expand``: a comma-separated list of properties to give in full."""
        items = self._comma_list("expand")
        for item in items:
            if item not in allowed:
                raise _bad("expand", f"each value must be one of: {', '.join(allowed)}")
        return frozenset(items)

    def sort(self, keys: Mapping[str, str], default: Sequence[str]) -> list[SortKey]:
        """``sort``: OOAPI attribute names, ``-`` for descending, comma-separated.

        Args:
            keys: the attribute names the path allows, mapped to the listing's sort keys
                (``{"name": "name", "programId": "id"}``); a key mapped to ``""`` is
                accepted but does not order (an attribute equal for every item).
            default: the attribute names to sort by when none are given.

        Returns:
            The listing's sort keys with their direction, each key once.
        """
        items = self._comma_list("sort") or list(default)
        allowed = [*keys, *(f"-{k}" for k in keys)]
        result: list[SortKey] = []
        seen: set[str] = set()
        for item in items:
            if item not in allowed:
                raise _bad("sort", f"each value must be one of: {', '.join(allowed)}")
            name = item.removeprefix("-")
            if keys[name] and keys[name] not in seen:
                seen.add(keys[name])
                result.append((keys[name], item.startswith("-")))
        return result
