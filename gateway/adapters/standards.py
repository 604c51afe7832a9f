"""Where the official schemas of the standards are: a directory named in the settings.

The files are never copied into the repository; deployments mount them (or point
``GATEWAY_STANDARDS_DIR`` at a checkout of the published files).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gateway.errors import ConfigurationError

__all__ = ["Standards", "standards_from_env"]


@dataclass(frozen=True)
class Standards:
    """Paths of the official files, checked to exist when asked for.

    Example::

        standards = Standards(settings.standards_dir)
        spec = json.loads(standards.ooapi_json.read_text())
    """

    root: Path

    def _file(self, *parts: str) -> Path:
        path = self.root.joinpath(*parts)
        if not path.is_file():
            raise ConfigurationError(
                f"standards file {path} not found: set GATEWAY_STANDARDS_DIR to the folder "
                "holding ooapi-v5/, ooapi-v5-mbo/ and rio-v4/"
            )
        return path

    @property
    def ooapi_json(self) -> Path:
        """OOAPI 5.0 (bundled OpenAPI 3.0.3)."""
        return self._file("ooapi-v5", "ooapi.json")

    @property
    def ooapi_consumers(self) -> Path:
        return self.root / "ooapi-v5" / "consumers"

    @property
    def ooapi_mbo_yaml(self) -> Path:
        """The mbo profile of OOAPI v5 (NED-OOAPI)."""
        return self._file("ooapi-v5-mbo", "ooapiv5_MBO.yaml")

    @property
    def rio_beheren_xsd(self) -> Path:
        return self._file("rio-v4", "DUO_RIO_Beheren_OnderwijsOrganisatie_V4.xsd")

    @property
    def rio_beheren_wsdl(self) -> Path:
        return self._file("rio-v4", "DUO_RIO_Beheren_OnderwijsOrganisatie_V4.wsdl")

    @property
    def rio_raadplegen_xsd(self) -> Path:
        return self._file("rio-v4", "DUO_RIO_Raadplegen_OnderwijsOrganisatie_V4.xsd")

    @property
    def rio_raadplegen_wsdl(self) -> Path:
        return self._file("rio-v4", "DUO_RIO_Raadplegen_OnderwijsOrganisatie_V4.wsdl")


def standards_from_env(default: Path | None = None) -> Standards:
    """The standards named by ``GATEWAY_STANDARDS_DIR`` (tests, tools), else ``default``."""
    value = os.environ.get("GATEWAY_STANDARDS_DIR")
    root = Path(value) if value else default
    if root is None or not root.is_dir():
        raise ConfigurationError("GATEWAY_STANDARDS_DIR is not set to the standards folder")
    return Standards(root)
