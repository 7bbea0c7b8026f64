# syntax=docker/dockerfile:1
# The same steps as `make run`: install the pinned packages, migrate, serve with uvicorn.

FROM python:3.13-slim AS build
RUN python -m venv /venv
COPY requirements.lock /tmp/requirements.lock
RUN /venv/bin/pip install --no-cache-dir --upgrade pip \
 && /venv/bin/pip install --no-cache-dir -r /tmp/requirements.lock

FROM python:3.13-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/db.sqlite3 \
    MEDIA_ROOT=/data/media \
    STATIC_ROOT=/app/staticfiles
RUN useradd --create-home --uid 10001 playground \
 && mkdir -p /data/media && chown -R playground:playground /data
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=playground:playground manage.py ./
COPY --chown=playground:playground playground ./playground
COPY --chown=playground:playground templates ./templates
COPY --chown=playground:playground static ./static
# collectstatic needs settings to load; this key exists only for that step.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0
USER playground
VOLUME ["/data"]
EXPOSE 8000
# The first allowed host (ALLOWED_HOSTS) is sent, so Django's host check lets the probe in.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import os, urllib.request as r; host = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.').replace('*', '') or 'localhost'; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}), timeout=4)"
CMD ["sh", "-c", "python manage.py migrate --noinput && exec uvicorn playground.asgi:application --host 0.0.0.0 --port 8000 --proxy-headers --forwarded-allow-ips='*' --timeout-graceful-shutdown 5"]
