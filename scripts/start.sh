#!/bin/sh
# Start-up sequence shared by `make run` and docker-compose: check the port is free,
# migrate, load the catalog (idempotent), collect static files if they changed, then
# start the background worker(s) and serve under gunicorn; Ctrl-C or SIGTERM stops them all.
# The settings module and DATABASE_URL come from the environment.
# TASK_WORKERS: worker processes started here (default 1; 0 when they run elsewhere, as in
# docker-compose's `worker` service).
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
set -- gunicorn stretchapi.wsgi:application \
    --bind "$BIND" \
    --workers "${WEB_CONCURRENCY:-2}" \
    --timeout "${GUNICORN_TIMEOUT:-30}" \
    --no-control-socket
if [ "${TASK_WORKERS:-1}" -eq 0 ]; then
    exec "$@"  # the workers run elsewhere (docker-compose's `worker` service)
fi

# The background workers (`manage.py worker`): queued tasks and the periodic ones. They run until
# this script ends: the trap below stops them with gunicorn, whichever way it ends.
workers=""
stop() {
    trap - INT TERM EXIT
    # shellcheck disable=SC2086  # the pids are words on purpose
    kill -TERM ${web:-} $workers 2>/dev/null || true
    wait
}
trap 'stop; exit 0' INT TERM
trap stop EXIT
i=0
while [ "$i" -lt "${TASK_WORKERS:-1}" ]; do
    python manage.py worker &
    workers="$workers $!"
    i=$((i + 1))
done
echo "start: ${TASK_WORKERS:-1} background worker(s) running (python manage.py worker)"

"$@" &
web=$!
# Returns when gunicorn exits, or at once when a signal arrives (the trap then stops everything).
wait "$web"
