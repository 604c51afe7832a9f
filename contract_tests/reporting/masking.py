"""Secrets out of every report, where they are kept recognisable.

Reports travel: CI logs, artefact stores, e-mails to a supplier's support desk. A finding
carries the URL it was found at and the request that found it, and a URL can be a
credential: a calendar feed's ``/calendar/<token>.ics`` is the subscriber's secret,
``?access_token=`` and ``https://user:password@host`` are others, and an endpoint may echo
the bearer token in an error body. Every renderer passes the report through
:func:`mask_report` first, so no format can forget it.

A masked secret keeps its first four characters (``/calendar/Xk3q***.ics``) when it is
long enough that four characters give nothing away, so a supplier can still tell which
feed or token a finding is about and the rest of the URL (host, path, pointer) stays as
it was; a short one becomes ``***``.

What is masked:

- the target's own secrets (bearer token, client secret, options named like a secret)
  wherever they appear, as literal text;
- the feed token of a suite whose URL is a credential (``Suite.secret_url``): the last
  path segment of the base URL;
- in any URL: the password of the userinfo (a userinfo without one is masked whole),
  query parameters named like a secret (``access_token``, ``api_key``, ``client_secret``,
  ``password``, ``signature``, ``key``, ``code``, ...) and a long token naming an ``.ics``
  feed;
- a ``Bearer`` credential written out in a text, and a ``Basic`` one in an
  ``Authorization`` header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import urlsplit

from contract_tests.checks import Finding
from contract_tests.runner import CheckResult, Report
from contract_tests.target import Target

__all__ = ["MASK", "Masker", "mask_report", "mask_token", "secret_option"]

MASK = "***"
_KEEP = 4
_KEEP_FROM = 12  # shorter secrets are masked whole: four characters would be a third
_SHORTEST_LITERAL = 6  # shorter "secrets" would mask ordinary words everywhere
_SECRET_WORDS = ("secret", "password", "passwd", "token", "key", "credential", "signature")
_SECRET_PARAMS = ("code", "sig", "auth", "jwt", "pwd", "pass")

_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/?#@\s:]*)"
                       r"(?::(?P<password>[^/?#@\s]*))?@")
_PARAM = re.compile(r"(?P<lead>[?&;])(?P<name>[A-Za-z0-9_.\-\[\]]+)=(?P<value>[^&#\s\"'<>]*)")
_FEED = re.compile(r"(?P<lead>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s?#\"'<>]*/)"
                   r"(?P<token>[A-Za-z0-9_\-]{16,})(?P<ext>\.(?:ics|ical|ifb|vcs)\b)",
                   re.IGNORECASE)
# "Bearer <token>" anywhere; "Basic" only in a header ("Basic information" is prose)
_AUTHORIZATION = re.compile(r"(?P<scheme>\b[Bb]earer|(?i:authorization)[\"']?\s*[:=]\s*"
                            r"[\"']?[Bb]asic)\s+(?P<value>[A-Za-z0-9._~+/=\-]{8,})")


def mask_token(value: str) -> str:
    """``value`` masked: its first four characters and ``***`` when it is long, else ``***``."""
    if value.endswith(MASK):  # already masked: masking twice changes nothing
        return value
    return value[:_KEEP] + MASK if len(value) >= _KEEP_FROM else MASK


def secret_option(name: str) -> bool:
    """Whether an option or parameter name says its value is a secret."""
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS) or lowered in _SECRET_PARAMS


def _userinfo(match: re.Match[str]) -> str:
    user, password = match.group("user"), match.group("password")
    if password is None:
        return f"{match.group('scheme')}{mask_token(user)}@"
    return f"{match.group('scheme')}{user}:{MASK}@"


def _param(match: re.Match[str]) -> str:
    if not secret_option(match.group("name")) or not match.group("value"):
        return match.group(0)
    return f"{match.group('lead')}{match.group('name')}={mask_token(match.group('value'))}"


def _feed(match: re.Match[str]) -> str:
    return f"{match.group('lead')}{mask_token(match.group('token'))}{match.group('ext')}"


def _authorization(match: re.Match[str]) -> str:
    return f"{match.group('scheme')} {mask_token(match.group('value'))}"


def _feed_token(base_url: str | None) -> str | None:
    """The credential in a secret URL: the stem of its last path segment."""
    if not base_url:
        return None
    segments = [s for s in urlsplit(base_url).path.split("/") if s]
    stem = segments[-1].split(".", 1)[0] if segments else ""
    return stem if len(stem) >= _KEEP_FROM else None  # "calendar" is a word, not a token


class Masker:
    """Masks the secrets of one target (and every secret-shaped part of a URL) in texts.

    Args:
        secrets: literal secrets to mask wherever they appear.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        found = {s for s in secrets if s and len(s) >= _SHORTEST_LITERAL}
        self.secrets = sorted(found, key=len, reverse=True)  # a longer one first

    @classmethod
    def for_target(cls, target: Target, *, secret_url: bool = False) -> Masker:
        """The masker of ``target``; ``secret_url`` when its base URL is a credential."""
        options = [v for k, v in target.options.items() if secret_option(k)]
        feed = _feed_token(target.base_url) if secret_url else None
        return cls([target.token, target.client_secret, feed, *options])

    def text(self, text: str) -> str:
        """``text`` with every secret masked."""
        if not text:
            return text
        for secret in self.secrets:
            text = text.replace(secret, mask_token(secret))
        text = _USERINFO.sub(_userinfo, text)
        text = _PARAM.sub(_param, text)
        text = _FEED.sub(_feed, text)
        return _AUTHORIZATION.sub(_authorization, text)

    def finding(self, finding: Finding) -> Finding:
        """The finding with its message, location, value and request masked."""
        return replace(finding, message=self.text(finding.message),
                       location=self.text(finding.location), value=self.text(finding.value),
                       request=self.text(finding.request))

    def result(self, result: CheckResult) -> CheckResult:
        """The result with its findings and reason masked."""
        return replace(result, findings=tuple(self.finding(f) for f in result.findings),
                       reason=self.text(result.reason))


def mask_report(report: Report) -> Report:
    """A copy of ``report`` safe to show: findings, reasons, the base URL and the options
    without their secrets, and no token or client secret in the target at all."""
    masker = Masker.for_target(report.target, secret_url=report.suite.secret_url)
    target = report.target
    options = {k: (MASK if secret_option(k) else masker.text(v))
               for k, v in target.options.items()}
    safe = Target(base_url=masker.text(target.base_url) if target.base_url else None,
                  token=MASK if target.token else None, client_id=target.client_id,
                  client_secret=MASK if target.client_secret else None,
                  token_url=masker.text(target.token_url) if target.token_url else None,
                  files=target.files, options=options)
    return Report(report.suite, safe, [masker.result(r) for r in report.results],
                  report.started, report.duration)
