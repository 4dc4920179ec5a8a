#!/bin/sh
# Start-up sequence shared by `make run` and docker-compose: migrate, load the
# catalog (idempotent), collect static files, then serve under gunicorn.
# The settings module and DATABASE_URL come from the environment.
set -eu
cd "$(dirname "$0")/.."

python manage.py migrate --noinput
python manage.py createcachetable  # the throttles' counts (settings: CACHES["throttle"])
python manage.py load_catalog
python manage.py collectstatic --noinput --verbosity 0

exec gunicorn stretchapi.wsgi:application \
    --bind "${BIND:-127.0.0.1:8000}" \
    --workers "${WEB_CONCURRENCY:-2}" \
    --timeout "${GUNICORN_TIMEOUT:-30}" \
    --no-control-socket \
    --access-logfile -
