"""Conditional requests (RFC 9110 section 13) for representations the gateway validates itself.

Calendar clients and the proxies in front of them revalidate a feed every few minutes,
some with ``If-None-Match`` (the ``ETag``), some with ``If-Modified-Since`` (the
``Last-Modified``), many with both; a 304 spares the transfer and the render. The rules,
as RFC 9110 13.2.2 orders them for GET and HEAD:

- ``If-None-Match`` present: it alone decides; it matches when one of its tags is the
  representation's under the *weak* comparison (13.1.2; ``W/`` ignored) or it is ``*``.
  ``If-Modified-Since`` is then ignored, even when it would have said "modified".
- otherwise ``If-Modified-Since``: a valid HTTP-date (IMF-fixdate, or the obsolete RFC 850
  and asctime forms, 5.6.7) at or after ``Last-Modified`` means not modified. An invalid
  date, more than one, or a date later than the server's clock is ignored (RFC 7232 3.3),
  so a client with a wrong clock gets the body rather than a false 304.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime

__all__ = ["etag_matches", "http_date", "not_modified", "parse_http_date"]

#: IMF-fixdate, RFC 850 and asctime (RFC 9110 5.6.7), all in GMT.
_DATE_FORMATS = ("%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                 "%a %b %d %H:%M:%S %Y")


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of an ``If-None-Match`` value (tags, comma-separated, or ``*``)."""
    opaque = etag.removeprefix("W/")
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or (tag and tag.removeprefix("W/") == opaque):
            return True
    return False


def http_date(moment: datetime) -> str:
    """``moment`` as an IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``), whole seconds."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def parse_http_date(value: str) -> datetime | None:
    """An HTTP-date as aware UTC; None when ``value`` is not one."""
    text = value.strip()
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(text, form).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def not_modified(
    *,
    if_none_match: Sequence[str],
    if_modified_since: Sequence[str],
    etag: str,
    last_modified: datetime | None,
    now: datetime,
) -> bool:
    """Whether a GET or HEAD is answered 304 (RFC 9110 13.2.2).

    Args:
        if_none_match: every ``If-None-Match`` field line of the request (may be empty).
        if_modified_since: every ``If-Modified-Since`` field line (may be empty).
        etag: the representation's entity tag.
        last_modified: its ``Last-Modified`` (None when none is sent).
        now: the server's clock.

    Returns:
        True when the client's copy is current.
    """
    if if_none_match:
        return etag_matches(",".join(if_none_match), etag)
    if len(if_modified_since) != 1 or last_modified is None:
        return False
    since = parse_http_date(if_modified_since[0])
    if since is None or since > now:
        return False
    return last_modified.replace(microsecond=0) <= since
