"""What a suite runs against: an endpoint with its credentials, files, or named options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

__all__ = ["Target", "TargetError"]


class TargetError(Exception):
    """The target cannot be tested: missing option, unreachable endpoint, bad credentials.

    The CLI reports it and exits with status 2; it is the supplier's setup, not a finding.
    """


@dataclass(frozen=True)
class Target:
    """The system under test, as the supplier describes it.

    Attributes:
        base_url: the endpoint's base URL (``https://sis.example/ooapi/v5``).
        token: a static bearer token (alternative to client credentials).
        client_id: OAuth2 client-credentials client id.
        client_secret: its secret.
        token_url: the token endpoint for client credentials.
        files: a file or folder of documents (RIO messages, CSV bundles, ``.ics``).
        options: suite-specific settings (``standards_dir``, kafka ``bootstrap``,
            ``topic``, ``role=receiver|sis``, ...).
    """

    base_url: str | None = None
    token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    token_url: str | None = None
    files: Path | None = None
    options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def option(self, key: str, default: str | None = None) -> str | None:
        """The option ``key``, or ``default``."""
        return self.options.get(key, default)

    def require_base_url(self) -> str:
        """The base URL without a trailing slash.

        Raises:
            TargetError: no base URL was given.
        """
        if not self.base_url:
            raise TargetError("this suite needs --base-url")
        return self.base_url.rstrip("/")

    def require_files(self) -> Path:
        """The files to check.

        Raises:
            TargetError: none were given or the path does not exist.
        """
        if self.files is None:
            raise TargetError("this suite needs --files")
        if not self.files.exists():
            raise TargetError(f"{self.files} does not exist")
        return self.files
