"""The error payload of the OneRoster 1.2 REST binding (``imsx_StatusInfo``), not problem+json.

OneRoster consumers (learning platforms) parse this payload: a request the service cannot
answer returns ``imsx_codeMajor`` ``failure``, ``imsx_severity`` ``error``, a description
and one code minor (``invalid_filter_field``, ``unknownobject``, ...) under the field name
``TargetEndSystem``. Nothing the client sent is echoed back beyond field names.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from gateway.errors import ValidationError

__all__ = ["CodeMinor", "OneRosterQueryError", "STATUS_OF", "status_info"]


class CodeMinor(StrEnum):
    """The ``imsx_codeMinorFieldValue`` vocabulary of OneRoster 1.2."""

    INVALID_FILTER_FIELD = "invalid_filter_field"
    INVALID_SELECTION_FIELD = "invalid_selection_field"
    INVALID_SORT_FIELD = "invalid_sort_field"
    INVALID_DATA = "invaliddata"
    UNAUTHORISED = "unauthorisedrequest"
    FORBIDDEN = "forbidden"
    UNKNOWN_OBJECT = "unknownobject"
    SERVER_BUSY = "server_busy"
    INTERNAL_SERVER_ERROR = "internal_server_error"


#: The HTTP status of each code minor.
STATUS_OF: dict[CodeMinor, int] = {
    CodeMinor.INVALID_FILTER_FIELD: 400,
    CodeMinor.INVALID_SELECTION_FIELD: 400,
    CodeMinor.INVALID_SORT_FIELD: 400,
    CodeMinor.INVALID_DATA: 400,
    CodeMinor.UNAUTHORISED: 401,
    CodeMinor.FORBIDDEN: 403,
    CodeMinor.UNKNOWN_OBJECT: 404,
    CodeMinor.SERVER_BUSY: 503,
    CodeMinor.INTERNAL_SERVER_ERROR: 500,
}


class OneRosterQueryError(ValidationError):
    """A ``filter``, ``sort``, ``fields`` or paging parameter the service cannot honour."""

    code = "oneroster-query"

    def __init__(self, message: str, minor: CodeMinor, *, parameter: str) -> None:
        super().__init__(message, path=f"/query/{parameter}")
        self.minor = minor
        self.parameter = parameter


def status_info(minor: CodeMinor, description: str) -> dict[str, Any]:
    """The ``imsx_StatusInfo`` object of a failed request.

    Args:
        minor: what went wrong, in OneRoster's vocabulary.
        description: a human-readable reason (no client data beyond field names).

    Returns:
        The JSON-ready payload.
    """
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {"imsx_codeMinorField": [
            {"imsx_codeMinorFieldName": "TargetEndSystem",
             "imsx_codeMinorFieldValue": minor.value},
        ]},
    }
