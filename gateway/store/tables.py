"""The gateway's tables. Every table carries the tenant; Alembic migrations mirror this file."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Computed,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement

__all__ = [
    "RELAY_LANES",
    "entities",
    "metadata",
    "oauth_clients",
    "outbox",
    "person_data",
    "quarantine",
    "relay_lanes",
]

#: Outbox rows are spread over this many lanes by entity id; a relay claims whole lanes,
#: so one entity's events are always published by one relay at a time, in order.
RELAY_LANES = 16

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: Integer primary keys that autoincrement on SQLite too (BIGINT does not, there).
BigSerial = BigInteger().with_variant(Integer(), "sqlite")


class _PerDialect(ColumnElement[Any]):
    """The SQL of a derived column's expression, per dialect (JSON is read differently on
    each). The database computes such a column on every write, nothing else writes it:
    migration 0010 makes it a generated column on PostgreSQL and a plain column that
    triggers set on SQLite (3.40 reads no generated column from an index)."""

    inherit_cache = False

    def __init__(self, **sql: str) -> None:
        self.sql = sql


@compiles(_PerDialect)
def _per_dialect(element: _PerDialect, compiler: Any, **kw: Any) -> str:
    return element.sql[compiler.dialect.name]


def _json_field(column: str, *path: str) -> dict[str, str]:
    head = "".join(f" -> '{p}'" for p in path[:-1])
    return {"postgresql": f"({column}{head} ->> '{path[-1]}')",
            "sqlite": f"CAST(json_extract({column}, '$.{'.'.join(path)}') AS TEXT)"}


def _family_name_key() -> dict[str, str]:
    prefix = _json_field("data", "personalData", "family_name_prefix")
    family = _json_field("data", "personalData", "family_name")
    return {d: f"lower(trim(coalesce({prefix[d]} || ' ', '') || coalesce({family[d]}, '')))"
            for d in prefix}

entities = Table(
    "entities",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("source_system", String(64), nullable=False),
    Column("source_id", String(256), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("state", JSON, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_entities_tenant_kind", "tenant", "kind", "source_system"),
    # migration 0010: the state's person_id / group_id (memberships), indexed with
    # (tenant, kind), for the OneRoster reads
    Column("person_ref", String,
           Computed(_PerDialect(**_json_field("state", "person_id")), persisted=True)),
    Column("group_ref", String,
           Computed(_PerDialect(**_json_field("state", "group_id")), persisted=True)),
    Index("ix_entities_tenant_kind_person_ref", "tenant", "kind", "person_ref"),
    Index("ix_entities_tenant_kind_group_ref", "tenant", "kind", "group_ref"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("seq", BigSerial, primary_key=True, autoincrement=True),
    Column("tenant", String(63), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("topic", String(255), nullable=False),
    Column("lane", Integer, nullable=False),
    Column("key", String(255), nullable=False),
    Column("type", String(200), nullable=False),
    Column("source", String(255), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("entity_version", Integer, nullable=False),
    Column("dataschema", String(255), nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("data", Text, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Index("ix_outbox_tenant_seq", "tenant", "seq"),
    Index("ix_outbox_unpublished", "lane", "seq",
          postgresql_where=text("published_at IS NULL"),
          sqlite_where=text("published_at IS NULL")),
)

relay_lanes = Table(
    "relay_lanes",
    metadata,
    Column("lane", Integer, primary_key=True, autoincrement=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", BigSerial, primary_key=True, autoincrement=True),
    Column("tenant", String(63), nullable=False),
    Column("source", String(255), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("path", String(1000), nullable=False, default=""),
    Column("raw", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("replayed_at", DateTime(timezone=True), nullable=True),
    Index("ix_quarantine_tenant_created", "tenant", "created_at"),
)

oauth_clients = Table(
    "oauth_clients",
    metadata,
    Column("client_id", String(128), primary_key=True),
    Column("tenant", String(63), nullable=False),
    Column("secret_hash", String(255), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Index("ix_oauth_clients_tenant", "tenant"),
)

person_data = Table(
    "person_data",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("person_id", String(36), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # migration 0010: the OneRoster familyName sort key (lower case; COLLATE "C" on
    # PostgreSQL), indexed after (person_id, tenant); personal data, never read elsewhere
    Column("family_name_key", String().with_variant(String(collation="C"), "postgresql"),
           Computed(_PerDialect(**_family_name_key()), persisted=True)),
    Index("ix_person_data_family_name_key", "person_id", "tenant", "family_name_key"),
)
