# syntax=docker/dockerfile:1
# One image for every role; only the command differs (compose.yaml, docs/deploy.md):
#   web (the default)  uvicorn; WEB_CONCURRENCY sets its worker processes
#   worker             python manage.py db_worker --no-reload   (studio and files jobs)
#   migrate            python manage.py migrate --noinput        (once per release, first)
# The web command does not migrate: several web containers starting together would race.

FROM python:3.13-slim AS build
RUN python -m venv /venv
COPY requirements.lock /tmp/requirements.lock
RUN /venv/bin/pip install --no-cache-dir -r /tmp/requirements.lock \
 && /venv/bin/pip uninstall --yes --quiet pip

FROM python:3.13-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/db.sqlite3 \
    MEDIA_ROOT=/data/media \
    STATIC_ROOT=/app/staticfiles \
    UVICORN_HOST=0.0.0.0 \
    UVICORN_PORT=8000 \
    FORWARDED_ALLOW_IPS=*
RUN useradd --create-home --uid 10001 playground \
 && mkdir -p /data/media && chown -R playground:playground /data
COPY --from=build /venv /venv
WORKDIR /app
# The code belongs to root: the app's user can read it but not change it.
COPY manage.py ./
COPY playground ./playground
COPY templates ./templates
COPY static ./static
# collectstatic needs settings to load; this key exists only for that step.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0 \
 && python -m compileall -q playground
USER playground
VOLUME ["/data"]
EXPOSE 8000
# For the web command (the worker's probe is in compose.yaml). The first allowed host
# (ALLOWED_HOSTS) is sent, so Django's host check lets the probe in.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import os, urllib.request as r; host = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.').replace('*', '') or 'localhost'; r.urlopen(r.Request('http://127.0.0.1:%s/healthz' % os.environ.get('UVICORN_PORT', '8000'), headers={'Host': host}), timeout=4)"
# Host, port, worker processes (WEB_CONCURRENCY) and trusted proxies (FORWARDED_ALLOW_IPS)
# come from the environment, so a deployment changes them without a new command.
CMD ["uvicorn", "playground.asgi:application", "--proxy-headers", "--timeout-graceful-shutdown", "5"]
