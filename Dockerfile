# syntax=docker/dockerfile:1
#
# mbo-gateway image. Build:   docker build -t mbo-gateway .
# Run (SQLite, embedded log): docker run -e GATEWAY_TOKEN_SECRET=... -p 127.0.0.1:8080:8080 mbo-gateway
# Production: see docker-compose.yml (gateway + Apache Kafka + PostgreSQL).

# --- stage 1: build the wheel ------------------------------------------------
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src

# Only what the hatchling wheel target needs (pyproject.toml: packages gateway,
# simulators, contract_tests; schemas force-included as gateway/_schemas; README as readme).
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY simulators ./simulators
COPY contract_tests ./contract_tests
COPY schemas ./schemas

RUN python -m pip wheel --no-deps --wheel-dir /wheels .

# --- stage 2: runtime --------------------------------------------------------
FROM python:3.11-slim AS runtime

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# Inside a container the gateway must listen on all interfaces; publishing the
# port (and on which host address) is the runtime's decision.
ENV GATEWAY_HTTP_HOST=0.0.0.0 \
    GATEWAY_HTTP_PORT=8080

RUN groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/gateway \
        --create-home --shell /usr/sbin/nologin gateway

# The wheel is bind-mounted from the build stage, so it never lands in a layer.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir /wheels/*.whl

# The default GATEWAY_DATABASE_URL (sqlite:///./gateway.db) resolves here, writable by the user.
WORKDIR /var/lib/gateway
USER 10001:10001

EXPOSE 8080

# slim has no curl: probe the liveness endpoint with the standard library.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('GATEWAY_HTTP_PORT', '8080'), timeout=4)"]

ENTRYPOINT ["gateway"]
CMD ["serve"]
