# StretchAPI production image: gunicorn behind scripts/start.sh, the same
# start-up sequence `make run` uses (migrate, load_catalog, gunicorn); the
# static files are collected here, once, at build time. Configuration comes
# from the environment; see README.md, "Configuration". docker-compose.yml runs it next to PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=stretchapi.settings.production \
    BIND=0.0.0.0:8000

WORKDIR /app

# Runtime dependencies only (requirements-dev.txt is for tests and lint).
# psycopg[binary] ships its own libpq, so no system packages are needed.
# Copied alone first so the layer is reused while requirements.txt is unchanged.
COPY requirements.txt .
RUN pip install -r requirements.txt

# The code stays owned by root, read-only for the service user. Static files are
# collected once here (the key in staticfiles/ tells start.sh they are current); the
# secret is a throwaway that collectstatic never uses.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/app --shell /usr/sbin/nologin app
COPY . .
RUN SECRET_KEY=collectstatic-at-build-only scripts/collectstatic.sh && chown -R app:app /app/staticfiles
# Export jobs' files (MEDIA_ROOT/exports), written by the worker and served by the app: docker-compose
# mounts one volume here in both; the folder exists, owned by the service user, so the volume is too.
RUN mkdir -p /app/media && chown app:app /app/media

USER app
EXPOSE 8000
CMD ["scripts/start.sh"]
