# Callwright as a container: the wheel and its locked runtime dependencies in a virtual environment, run as a
# non-root user. Build: docker build -t callwright .   Run: docker run -p 8000:8000 --env-file .env callwright
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY . .
# The same script the test suite runs (tests/container): wheel + requirements.lock into a fresh venv.
RUN sh deploy/install-runtime.sh /src /opt/callwright

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 callwright \
    && useradd --system --uid 10001 --gid callwright --no-create-home --home-dir /nonexistent callwright
COPY --from=build /opt/callwright /opt/callwright
ENV PATH=/opt/callwright/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CALLWRIGHT_ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    FORWARDED_ALLOW_IPS=* \
    UVICORN_TIMEOUT_KEEP_ALIVE=75 \
    UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN=20
WORKDIR /srv
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/livez', timeout=4)"]
# The Procfile's command. FORWARDED_ALLOW_IPS: the ingress in front (Container Apps and App Service terminate TLS
# and set X-Forwarded-*; narrow it to their address range where it is known). UVICORN_TIMEOUT_KEEP_ALIVE closes idle
# connections after that many seconds: keep it above the idle timeout of whatever sends to the service (see
# app/web/server.py), or deliveries race the close and are reset. uvloop and httptools: ~a quarter less CPU.
CMD ["sh", "-c", "exec uvicorn --factory app.web.app:create_service --host \"$HOST\" --port \"$PORT\" --loop uvloop --http app.web.deadlines:DeadlineHttpToolsProtocol --limit-concurrency \"${UVICORN_LIMIT_CONCURRENCY:-1000}\" --proxy-headers --forwarded-allow-ips \"$FORWARDED_ALLOW_IPS\" --timeout-keep-alive \"$UVICORN_TIMEOUT_KEEP_ALIVE\" --timeout-graceful-shutdown \"$UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN\" --no-access-log"]
