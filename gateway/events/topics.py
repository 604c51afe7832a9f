"""Topic names: ``<prefix>.<tenant>.<domain>`` and ``<prefix>.<tenant>.deadletter``.

Per-tenant topics let Kafka ACLs with a prefix (``<prefix>.<tenant>.``) keep schools apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.domain.base import Domain

__all__ = ["DEADLETTER", "TopicNames"]

DEADLETTER = "deadletter"


@dataclass(frozen=True)
class TopicNames:
    prefix: str = "mbo"

    def for_domain(self, tenant: str, domain: Domain | str) -> str:
        return f"{self.prefix}.{tenant}.{Domain(domain).value}"

    def deadletter(self, tenant: str) -> str:
        return f"{self.prefix}.{tenant}.{DEADLETTER}"

    def all_for(self, tenant: str) -> list[str]:
        """Every topic of one tenant, in a stable order."""
        return [self.for_domain(tenant, d) for d in Domain] + [self.deadletter(tenant)]

    def tenant_of(self, topic: str) -> str:
        prefix, tenant, _ = topic.split(".", 2)
        if prefix != self.prefix:
            raise ValueError(f"topic {topic!r} does not start with {self.prefix!r}")
        return tenant
