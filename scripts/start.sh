#!/bin/sh
# Start-up sequence shared by `make run` and docker-compose: check the port is free,
# migrate, load the catalog (idempotent), collect static files if they changed, then
# serve under gunicorn. The settings module and DATABASE_URL come from the environment.
set -eu
cd "$(dirname "$0")/.."

BIND="${BIND:-127.0.0.1:8000}"
host="${BIND%:*}"
port="${BIND##*:}"

# Say at once when another server holds the port, before minutes of migrating.
if ! python - "$host" "$port" <<'EOF'
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except OSError:
        sys.exit(1)
EOF
then
    echo "start: $BIND is already in use (another \`make run\`, or another server)." >&2
    echo "start: stop that one, or choose another address: BIND=$host:$((port + 1)) make run" >&2
    exit 1
fi

python manage.py migrate --noinput
python manage.py createcachetable  # the throttles' counts (settings: CACHES["throttle"])
python manage.py load_catalog

# Static files: collected at image build, and here only when their sources changed.
scripts/collectstatic.sh

case "$host" in
    0.0.0.0 | "" | "[::]") shown="127.0.0.1" ;;
    *) shown="$host" ;;
esac
echo "start: serving on http://$shown:$port/"
echo "start:   API docs  http://$shown:$port/api/docs/"
echo "start:   admin     http://$shown:$port/admin/  (create a user: python manage.py createsuperuser)"

# No gunicorn access log: the app writes one line per request itself (README, "Observability").
exec gunicorn stretchapi.wsgi:application \
    --bind "$BIND" \
    --workers "${WEB_CONCURRENCY:-2}" \
    --timeout "${GUNICORN_TIMEOUT:-30}" \
    --no-control-socket
