"""Static checks of the deployment files: docker-compose.yml, Dockerfile, .env.example.

No Docker engine is needed: the files are parsed and checked against each other and
against :class:`gateway.settings.Settings`, so a misspelt ``GATEWAY_*`` variable, a
database URL that does not match the PostgreSQL service or a secret with a default
fails here instead of at ``docker compose up``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"

SERVICES = ("gateway", "kafka", "postgres")
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - what the gateway must bind to inside its container
SLIM_PYTHON = re.compile(r"python:3\.11(\.\d+)?-slim(-\w+)?(@sha256:[0-9a-f]{64})?")
ENV_PREFIX = "GATEWAY_"
#: Variables whose value is a secret: compose must require them (``:?``), never default them.
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE|API_?KEY", re.IGNORECASE)
#: Values for the secrets when the test interpolates the compose file.
FAKE_SECRETS = {
    "POSTGRES_PASSWORD": secrets.token_hex(12),
    "GATEWAY_TOKEN_SECRET": secrets.token_hex(32),
}


# --- compose-style interpolation ------------------------------------------------------

_INTERPOLATION = re.compile(
    r"\$(?:"
    r"(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*)"
    r")"
)


class MissingVariableError(LookupError):
    """A ``${VAR:?message}`` whose variable is not set: compose refuses to start."""


def _variables(value: str) -> Iterator[tuple[str, str | None]]:
    """(name, operator) of each interpolation in ``value``; ``$$`` is an escaped dollar."""
    for match in _INTERPOLATION.finditer(value):
        if match["escaped"] is None:
            yield (match["braced"] or match["named"]), match["op"]


def _interpolate(value: str, env: Mapping[str, str]) -> str:
    """Substitute ``value`` the way docker compose does (the subset of its syntax we use)."""

    def substitute(match: re.Match[str]) -> str:
        if match["escaped"] is not None:
            return "$"
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"] or ""
        current = env.get(name)
        if op is None:
            return current or ""
        is_set = current is not None and (current != "" or not op.startswith(":"))
        kind = op[-1]
        if kind == "-":
            return current if is_set and current is not None else arg
        if kind == "+":
            return arg if is_set else ""
        if not is_set or current is None:  # kind == "?"
            raise MissingVariableError(f"{name}: {arg}")
        return current

    result = _INTERPOLATION.sub(substitute, value)
    assert "${" not in result.replace("$${", ""), f"malformed interpolation in {value!r}"
    return result


def _strings(node: Any) -> Iterator[str]:
    """Every string value in a parsed YAML tree (compose interpolates values, not keys)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for item in node.values():
            yield from _strings(item)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _interpolate_tree(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return _interpolate(node, env)
    if isinstance(node, Mapping):
        return {key: _interpolate_tree(item, env) for key, item in node.items()}
    if isinstance(node, list):
        return [_interpolate_tree(item, env) for item in node]
    return node


# --- loaders ----------------------------------------------------------------------------


@cache
def _raw_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


def _dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of an env file (comments and blank lines skipped, quotes removed)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition("=")
        assert sep, f"{path.name}: not KEY=VALUE: {line!r}"
        key = key.removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def _example_env() -> dict[str, str]:
    """The environment of an operator who copied .env.example and filled in the secrets."""
    env = _dotenv(ENV_EXAMPLE)
    env.update(FAKE_SECRETS)
    return env


@cache
def _compose(with_example_env: bool = True) -> dict[str, Any]:
    """docker-compose.yml as compose sees it: with the example .env (or only the secrets,
    so compose's own defaults apply) and real-looking secrets."""
    env = _example_env() if with_example_env else dict(FAKE_SECRETS)
    result = _interpolate_tree(_raw_compose(), env)
    assert isinstance(result, dict)
    return result


def _service(name: str, with_example_env: bool = True) -> dict[str, Any]:
    service = _compose(with_example_env)["services"][name]
    assert isinstance(service, dict)
    return service


def _environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's ``environment`` in either compose syntax, as strings."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (entry.partition("=") for entry in env)
        return {key: value for key, sep, value in pairs if sep}
    return {
        key: str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in env.items()
        if value is not None
    }


def _gateway_env(with_example_env: bool = True) -> dict[str, str]:
    return _environment(_service("gateway", with_example_env))


def _settings_env_names() -> set[str]:
    return {ENV_PREFIX + name.upper() for name in Settings.model_fields}


def _healthcheck_text(service: Mapping[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else str(test)


# --- docker-compose.yml -----------------------------------------------------------------


def test_compose_has_the_three_services() -> None:
    assert set(SERVICES) <= set(_raw_compose()["services"])


def test_kafka_is_apache_kafka_in_kraft_mode_without_zookeeper() -> None:
    kafka = _service("kafka")
    assert kafka["image"].startswith("apache/kafka:")
    env = _environment(kafka)
    roles = {role.strip() for role in env["KAFKA_PROCESS_ROLES"].split(",")}
    assert {"broker", "controller"} <= roles
    node_id = env["KAFKA_NODE_ID"]
    voters = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    assert any(voter.startswith(f"{node_id}@") for voter in voters)
    controller_listener = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert f"{controller_listener}://" in env["KAFKA_LISTENERS"]
    # nothing but comments may mention ZooKeeper
    assert "zookeeper" not in json.dumps(_raw_compose()).lower()


def test_kafka_single_node_settings_and_no_auto_topic_creation() -> None:
    env = _environment(_service("kafka"))
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "1"
    assert int(env.get("KAFKA_MIN_INSYNC_REPLICAS", "1")) == 1
    # the gateway creates its topics, so a misspelt topic name fails instead of appearing
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"].lower() == "false"
    gateway = _gateway_env()
    assert gateway.get("GATEWAY_KAFKA_CREATE_TOPICS", "true").lower() == "true"
    assert int(gateway["GATEWAY_KAFKA_REPLICATION_FACTOR"]) == 1  # one broker


@pytest.mark.parametrize("name", SERVICES)
def test_service_has_a_healthcheck(name: str) -> None:
    service = _service(name)
    check = service.get("healthcheck")
    assert check, f"{name} has no healthcheck"
    assert not check.get("disable", False)
    test = check["test"]
    if isinstance(test, list):
        assert test[0] in {"CMD", "CMD-SHELL"} and len(test) > 1, test
    else:
        assert test.strip() and test.strip().upper() != "NONE"


def test_healthchecks_probe_the_right_thing() -> None:
    assert "kafka-broker-api-versions.sh" in _healthcheck_text(_service("kafka"))
    assert "pg_isready" in _healthcheck_text(_service("postgres"))
    gateway_check = _healthcheck_text(_service("gateway"))
    assert "urllib" in gateway_check and "127.0.0.1" in gateway_check
    assert "/livez" in gateway_check


def test_gateway_waits_for_healthy_kafka_and_postgres() -> None:
    depends_on = _service("gateway")["depends_on"]
    assert isinstance(depends_on, Mapping), "use the long syntax to wait for health"
    for name in ("kafka", "postgres"):
        assert depends_on[name]["condition"] == "service_healthy", name


def test_gateway_migrates_before_serving() -> None:
    command = _service("gateway")["command"]
    words = shlex.split(command) if isinstance(command, str) else command
    assert words[0] == "serve" and "--migrate" in words


def test_gateway_environment_names_are_settings_fields() -> None:
    names = {key for key in _gateway_env() if key.startswith(ENV_PREFIX)}
    assert names, "the gateway gets no GATEWAY_* settings"
    unknown = {
        key for key in names if key.removeprefix(ENV_PREFIX).lower() not in Settings.model_fields
    }
    assert not unknown, f"not fields of gateway.settings.Settings: {sorted(unknown)}"


def test_gateway_environment_has_every_required_setting() -> None:
    required = {name for name, field in Settings.model_fields.items() if field.is_required()}
    assert "token_secret" in required
    missing = {name for name in required if ENV_PREFIX + name.upper() not in _gateway_env()}
    assert not missing, f"required settings not set for the gateway: {sorted(missing)}"


@pytest.mark.parametrize("with_example_env", [True, False], ids=["example-env", "defaults"])
def test_gateway_environment_is_accepted_by_settings(
    monkeypatch: pytest.MonkeyPatch, with_example_env: bool
) -> None:
    """The interpolated values pass Settings' validation, both with the values of
    .env.example and with compose's own defaults (an .env holding only the secrets)."""
    for key in [key for key in os.environ if key.upper().startswith(ENV_PREFIX)]:
        monkeypatch.delenv(key)
    for key, value in _gateway_env(with_example_env).items():
        monkeypatch.setenv(key, value)
    settings = Settings()  # type: ignore[call-arg]
    assert settings.http_host == ALL_INTERFACES
    assert settings.kafka_enabled
    assert settings.token_secret.get_secret_value() == FAKE_SECRETS["GATEWAY_TOKEN_SECRET"]


def test_secrets_are_required_and_never_defaulted() -> None:
    secret_uses = [
        (name, op)
        for value in _strings(_raw_compose())
        for name, op in _variables(value)
        if SECRET_NAME.search(name)
    ]
    assert {name for name, _ in secret_uses} >= set(FAKE_SECRETS)
    for name, op in secret_uses:
        assert op == ":?", f"${{{name}}} must be written ${{{name}:?message}}, not with {op!r}"
    for name in FAKE_SECRETS:
        env = {key: value for key, value in _example_env().items() if key != name}
        with pytest.raises(MissingVariableError, match=name):
            _interpolate_tree(_raw_compose(), env)
        with pytest.raises(MissingVariableError, match=name):
            _interpolate_tree(_raw_compose(), {**env, name: ""})


def test_database_url_matches_the_postgres_service() -> None:
    url = make_url(_gateway_env()["GATEWAY_DATABASE_URL"])
    postgres = _environment(_service("postgres"))
    assert url.drivername == "postgresql+psycopg"  # psycopg 3 is the project's driver
    assert url.host == "postgres" and url.host in _compose()["services"]
    assert (url.port or 5432) == int(postgres.get("PGPORT", "5432"))
    user = postgres.get("POSTGRES_USER", "postgres")
    assert url.username == user
    assert url.database == postgres.get("POSTGRES_DB", user)
    assert url.password == postgres["POSTGRES_PASSWORD"] == FAKE_SECRETS["POSTGRES_PASSWORD"]


def _listeners(value: str) -> dict[str, tuple[str, int]]:
    result = {}
    for entry in value.split(","):
        name, _, address = entry.strip().partition("://")
        host, _, port = address.rpartition(":")
        result[name] = (host, int(port))
    return result


def test_kafka_bootstrap_matches_the_advertised_listener() -> None:
    kafka = _environment(_service("kafka"))
    advertised = _listeners(kafka["KAFKA_ADVERTISED_LISTENERS"])
    listening = _listeners(kafka["KAFKA_LISTENERS"])
    protocols = dict(
        entry.split(":") for entry in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    gateway = _gateway_env()
    protocol = gateway.get(
        "GATEWAY_KAFKA_SECURITY_PROTOCOL",
        Settings.model_fields["kafka_security_protocol"].default,
    )
    for server in gateway["GATEWAY_KAFKA_BOOTSTRAP_SERVERS"].split(","):
        host, _, port = server.strip().rpartition(":")
        matches = [name for name, address in advertised.items() if address == (host, int(port))]
        assert matches, f"{server} is not an advertised listener of kafka: {advertised}"
        assert host == "kafka"
        name = matches[0]
        assert listening[name][1] == int(port)
        assert protocols[name] == protocol


def _published(entry: str | Mapping[str, Any]) -> tuple[str, str, str]:
    """(host ip, host port, container port) of a ``ports`` entry in either syntax."""
    if isinstance(entry, Mapping):
        return str(entry.get("host_ip", "")), str(entry.get("published", "")), str(entry["target"])
    parts = str(entry).removesuffix("/tcp").split(":")
    if len(parts) < 3:  # "8080" or "8080:8080": all interfaces
        return "", parts[0] if len(parts) == 2 else "", parts[-1]
    return ":".join(parts[:-2]), parts[-2], parts[-1]


def test_gateway_is_published_on_loopback_only() -> None:
    ports = _service("gateway")["ports"]
    assert ports
    for entry in ports:
        host_ip, _, target = _published(entry)
        assert host_ip == "127.0.0.1", f"{entry!r} is reachable from other hosts"
        assert target == _gateway_env()["GATEWAY_HTTP_PORT"] == "8080"
    assert _gateway_env()["GATEWAY_HTTP_HOST"] == ALL_INTERFACES  # inside the container
    for name in ("kafka", "postgres"):
        assert not _service(name).get("ports"), f"{name} must not be published on the host"


def test_postgres_and_kafka_keep_their_data_in_named_volumes() -> None:
    declared = set(_compose().get("volumes") or {})
    for name, target in (("postgres", "/var/lib/postgresql/data"), ("kafka", None)):
        mounts = [str(v).split(":")[:2] for v in _service(name).get("volumes", [])]
        named = {source: dest for source, dest in mounts if source in declared}
        assert named, f"{name} has no named volume"
        if target:
            assert target in named.values()
    kafka = _environment(_service("kafka"))
    kafka_mounts = [str(v).split(":")[1] for v in _service("kafka")["volumes"]]
    assert kafka["KAFKA_LOG_DIRS"] in kafka_mounts


# --- .env.example -----------------------------------------------------------------------


def test_env_example_lists_every_interpolated_variable() -> None:
    used = {name for value in _strings(_raw_compose()) for name, _ in _variables(value)}
    listed = set(_dotenv(ENV_EXAMPLE))
    assert used, "docker-compose.yml interpolates nothing"
    assert not used - listed, f"missing from .env.example: {sorted(used - listed)}"
    assert not listed - used, f"in .env.example but unused by compose: {sorted(listed - used)}"
    unknown = {
        key for key in listed if key.startswith(ENV_PREFIX) and key not in _settings_env_names()
    }
    assert not unknown, f".env.example names no Settings field: {sorted(unknown)}"


# --- Dockerfile -------------------------------------------------------------------------


@cache
def _dockerfile() -> tuple[tuple[str, str], ...]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    buffer = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        keyword, _, rest = (buffer + stripped).partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        buffer = ""
    assert not buffer, "Dockerfile ends inside a continued line"
    return tuple(instructions)


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for instruction in _dockerfile():
        if instruction[0] == "FROM":
            stages.append([])
        assert stages, "Dockerfile must start with FROM (ARG before it is not used here)"
        stages[-1].append(instruction)
    return stages


def _env_instructions(stage: list[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for keyword, rest in stage:
        if keyword != "ENV":
            continue
        words = shlex.split(rest)
        if "=" in words[0]:
            values.update(word.split("=", 1) for word in words)  # type: ignore[arg-type]
        else:  # legacy form: ENV KEY value
            values[words[0]] = " ".join(words[1:])
    return values


def test_dockerfile_is_multi_stage_on_python_slim() -> None:
    stages = _stages()
    assert len(stages) >= 2
    names: set[str] = set()
    for stage in stages:
        words = [w for w in stage[0][1].split() if not w.startswith("--")]
        image = words[0]
        if image not in names:
            assert SLIM_PYTHON.fullmatch(image), image
        if len(words) == 3 and words[1].upper() == "AS":
            names.add(words[2])


def test_dockerfile_runs_as_non_root() -> None:
    users = [rest for keyword, rest in _stages()[-1] if keyword == "USER"]
    assert users, "the final stage has no USER, so it runs as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user == "10001"


def test_dockerfile_exposes_8080_with_a_healthcheck() -> None:
    final = _stages()[-1]
    exposed = {port.split("/")[0] for kw, rest in final if kw == "EXPOSE" for port in rest.split()}
    assert "8080" in exposed
    checks = [rest for keyword, rest in final if keyword == "HEALTHCHECK"]
    assert checks and checks[-1].split()[0].upper() != "NONE"
    assert " CMD " in f" {checks[-1]} " and "/livez" in checks[-1] and "urllib" in checks[-1]


def test_dockerfile_entrypoint_and_command() -> None:
    final = dict(_stages()[-1])
    assert json.loads(final["ENTRYPOINT"]) == ["gateway"]
    assert json.loads(final["CMD"]) == ["serve"]


def test_dockerfile_gateway_variables_are_settings_fields() -> None:
    env = _env_instructions(_stages()[-1])
    names = {key for key in env if key.startswith(ENV_PREFIX)}
    assert "GATEWAY_HTTP_HOST" in names
    unknown = names - _settings_env_names()
    assert not unknown, f"not fields of gateway.settings.Settings: {sorted(unknown)}"
    assert env["GATEWAY_HTTP_HOST"] == ALL_INTERFACES
    assert env.get("GATEWAY_HTTP_PORT", "8080") == "8080"


def test_dockerfile_copies_what_the_wheel_build_needs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {"pyproject.toml", project["project"]["readme"], *wheel["packages"]}
    needed |= set(wheel.get("force-include", {}))
    copied: set[str] = set()
    for keyword, rest in _stages()[0]:
        if keyword == "COPY":
            sources = [w for w in rest.split() if not w.startswith("--")][:-1]
            copied |= {s.removeprefix("./").rstrip("/") for s in sources}
    assert not needed - copied, f"the build stage does not copy {sorted(needed - copied)}"
    ignored = {line.strip().rstrip("/") for line in DOCKERIGNORE.read_text().splitlines()}
    assert not needed & ignored, f".dockerignore drops {sorted(needed & ignored)}"


def test_wheel_build_inputs_exist_in_the_repository() -> None:
    """Every COPY source exists: hatchling refuses to build without pyproject's readme."""
    missing = sorted(
        source
        for keyword, rest in _stages()[0]
        if keyword == "COPY"
        for source in [w for w in rest.split() if not w.startswith("--")][:-1]
        if not (ROOT / source).exists()
    )
    assert not missing, f"COPY sources missing from the repository: {missing}"


def test_dockerignore_keeps_local_state_and_secrets_out() -> None:
    ignored = {line.strip().rstrip("/") for line in DOCKERIGNORE.read_text().splitlines()}
    assert {".venv", ".git", ".env", "*.db", "reports"} <= ignored
