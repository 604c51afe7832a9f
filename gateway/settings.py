"""The gateway's one settings class: read from ``GATEWAY_*`` variables, checked at start-up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from gateway.domain.values import Brin, Oin, OnderwijsaanbiederCode, TenantId

__all__ = [
    "PLACEHOLDER_SECRETS",
    "RioTargetConfig",
    "Settings",
    "SourceConfig",
    "TenantConfig",
]

#: Values people leave in example files; a secret equal to (or built from) one is refused.
PLACEHOLDER_SECRETS = frozenset(
    {"changeme", "change-me", "change_me", "secret", "password", "placeholder", "example",
     "xxx", "todo", "default", "test", "admin", "please-change"}
)


class TenantConfig(BaseModel):
    """One institution served by this deployment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: TenantId
    name: str = Field(min_length=1)
    brin: Brin | None = None
    onderwijsaanbiedercode: OnderwijsaanbiederCode | None = None
    oin: Oin | None = None


class SourceConfig(BaseModel):
    """A school system the gateway pulls from, e.g. an SIS's OOAPI v5 endpoint."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: TenantId
    #: The source system's name; part of every canonical id, so never rename a live source.
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    #: ``ooapi-v5``: an OOAPI v5 endpoint (catalogue; with ``resources`` also persons,
    #: associations, groups); ``icalendar``: one RFC 5545 feed at ``base_url``.
    kind: Literal["ooapi-v5", "icalendar"] = "ooapi-v5"
    base_url: str = Field(pattern=r"^https?://")
    #: What a scheduled run of an ``ooapi-v5`` source pulls: ``catalogue`` (programs,
    #: courses, offerings), ``enrolment`` (persons and associations), ``rostering``
    #: (groups, members, component offerings). Ignored for ``icalendar`` sources.
    resources: tuple[Literal["catalogue", "enrolment", "rostering"], ...] = ("catalogue",)
    token_url: str | None = Field(default=None, pattern=r"^https?://")
    client_id: str | None = None
    client_secret: SecretStr | None = None
    #: OOAPI ``consumer`` query parameter (e.g. ``mbo``); None sends none.
    consumer: str | None = None
    page_size: int = Field(default=250, ge=1, le=1000)
    #: ``icalendar`` only: the groups (OOAPI ``groupId``) and staff (``personId``) every
    #: lesson of the feed is for, when the timetabling system exports one feed per klas or
    #: per teacher and its events name no ``X-MBO-GROUP-ID`` / ``X-MBO-STAFF-ID`` of their
    #: own. An event that names its own keeps them.
    group_ids: tuple[UUID, ...] = ()
    staff_ids: tuple[UUID, ...] = ()
    #: How often ``gateway serve`` syncs this source; 0 = only on ``gateway sync``.
    interval_seconds: int = Field(default=3600, ge=0)
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)


    @model_validator(mode="after")
    def _feed_defaults_need_a_feed(self) -> SourceConfig:
        if self.kind != "icalendar" and (self.group_ids or self.staff_ids):
            raise ValueError("group_ids and staff_ids are for icalendar sources")
        return self


class RioTargetConfig(BaseModel):
    """DUO's RIO service for one tenant, reached over Edukoppeling (SOAP, WS-Security, TLS)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: TenantId
    beheren_url: str = Field(pattern=r"^https?://")
    raadplegen_url: str = Field(pattern=r"^https?://")
    #: DUO's OIN, the ``wsa:To`` of every message.
    duo_oin: Oin = "00000001800866472000"
    #: PKIoverheid client certificate and key (PEM): TLS client auth and the XML signature.
    client_cert: Path
    client_key: Path
    #: CA bundle to verify DUO's server certificate; None uses the system store.
    ca_bundle: Path | None = None
    timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    max_attempts: int = Field(default=5, ge=1, le=20)


def _is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    stripped = lowered.strip("<>{}[]$ ")
    return (
        stripped in PLACEHOLDER_SECRETS
        or any(lowered.startswith(p) for p in ("changeme", "change-me", "your-", "<"))
        or len(set(lowered)) <= 2
    )


class Settings(BaseSettings):
    """Everything the gateway reads from its environment.

    Example::

        GATEWAY_DATABASE_URL=postgresql+psycopg://gw:...@db/gateway
        GATEWAY_KAFKA_BOOTSTRAP_SERVERS=kafka:9092
        GATEWAY_TOKEN_SECRET=$(openssl rand -hex 32)
        GATEWAY_TENANTS='[{"id": "roc-a", "name": "ROC A", "onderwijsaanbiedercode": "123A456"}]'
    """

    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_", env_file=None, extra="ignore", frozen=True
    )

    # storage
    database_url: str = "sqlite:///./gateway.db"
    database_pool_size: int = Field(default=5, ge=1, le=100)

    # events
    kafka_bootstrap_servers: str | None = None
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = (
        "PLAINTEXT"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    kafka_create_topics: bool = True
    kafka_topic_partitions: int = Field(default=3, ge=1, le=1000)
    kafka_replication_factor: int = Field(default=1, ge=1, le=10)
    topic_prefix: str = Field(default="mbo", pattern=r"^[a-z0-9][a-z0-9_-]{0,40}$")
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    relay_poll_interval: float = Field(default=0.2, gt=0, le=60)
    run_relay: bool = True
    #: Seconds between deliveries of catalogue changes to RIO by ``gateway serve``.
    rio_delivery_interval: float = Field(default=30.0, gt=0, le=86_400)
    #: Seconds between forwarding runs of accepted applications to the SIS.
    intake_forward_interval: float = Field(default=10.0, gt=0, le=86_400)

    # HTTP
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    public_base_url: str = "http://127.0.0.1:8080"
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=256 * 1_048_576)
    #: ``contactEmail`` of the OOAPI service document; default ``ooapi@<public host>``.
    ooapi_contact_email: str | None = None
    #: A bearer token ``/metrics`` requires (Prometheus: ``authorization: {credentials:
    #: ...}``); None leaves it open, for a port that only the monitoring network reaches.
    metrics_token: SecretStr | None = None

    # auth: tokens the gateway issues itself
    token_secret: SecretStr
    token_issuer: str = "mbo-gateway"  # noqa: S105 - a name, not a secret
    token_audience: str = "mbo-gateway"  # noqa: S105 - a name, not a secret
    token_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    # auth: tokens of an external issuer, verified through its JWKS
    oauth_jwks_url: str | None = None
    oauth_issuer: str | None = None
    oauth_audience: str | None = None
    oauth_tenant_claim: str = "tenant"

    # institutions and standards
    tenants: Annotated[list[TenantConfig], NoDecode] = Field(default_factory=list)
    sources: Annotated[list[SourceConfig], NoDecode] = Field(default_factory=list)
    rio_targets: Annotated[list[RioTargetConfig], NoDecode] = Field(default_factory=list)
    standards_dir: Path | None = None
    #: Optional YAML with DUO value lists (waardenlijsten) that extend the packaged ones.
    rio_value_lists: Path | None = None

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("tenants", "sources", "rio_targets", mode="before")
    @classmethod
    def _list_from_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("@"):  # GATEWAY_TENANTS=@/etc/gateway/tenants.json
                text = Path(text[1:]).read_text(encoding="utf-8")
            return json.loads(text) if text else []
        return value

    @field_validator("token_secret", "kafka_sasl_password", "metrics_token")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        raw = value.get_secret_value()
        if _is_placeholder(raw):
            raise ValueError("is a placeholder value; set a real secret")
        return value

    @field_validator("token_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        ids = [t.id for t in self.tenants]
        if len(ids) != len(set(ids)):
            raise ValueError("tenant ids must be unique")
        known = set(ids)
        named: list[tuple[str, str]] = [("source", s.tenant) for s in self.sources]
        named += [("rio target", r.tenant) for r in self.rio_targets]
        for what, tenant in named:
            if tenant not in known:
                raise ValueError(f"a {what} names unknown tenant {tenant!r}")
        names = [(s.tenant, s.name) for s in self.sources]
        if len(names) != len(set(names)):
            raise ValueError("source names must be unique per tenant")
        if self.oauth_jwks_url and not self.oauth_issuer:
            raise ValueError("oauth_issuer is required when oauth_jwks_url is set")
        if self.kafka_security_protocol.startswith("SASL") and not (
            self.kafka_sasl_mechanism and self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError("SASL needs kafka_sasl_mechanism, _username and _password")
        if self.standards_dir is not None and not self.standards_dir.is_dir():
            raise ValueError(f"standards_dir {self.standards_dir} is not a directory")
        return self

    @property
    def kafka_enabled(self) -> bool:
        return bool(self.kafka_bootstrap_servers)

    def tenant(self, tenant_id: str) -> TenantConfig | None:
        return next((t for t in self.tenants if t.id == tenant_id), None)

    def source(self, tenant_id: str, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.tenant == tenant_id and s.name == name), None)

    def rio_target(self, tenant_id: str) -> RioTargetConfig | None:
        return next((r for r in self.rio_targets if r.tenant == tenant_id), None)
