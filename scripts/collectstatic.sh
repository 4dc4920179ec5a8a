#!/bin/sh
# Collect the static files into staticfiles/ unless nothing they come from changed: the
# installed packages (requirements.txt) and any app's static/ folder. Run by the image
# build (Dockerfile) and by every start (scripts/start.sh), which then finds them current.
set -eu
cd "$(dirname "$0")/.."

static_key="$( { cksum requirements.txt; find catalog sessions stretchapi -path '*/static/*' -type f -exec cksum {} + 2>/dev/null; } | cksum | cut -d' ' -f1)"
stamp="staticfiles/.collected-$static_key"
if [ -f "$stamp" ]; then
    echo "start: static files are up to date (staticfiles/)"
else
    python manage.py collectstatic --noinput --verbosity 0
    rm -f staticfiles/.collected-*
    touch "$stamp"
fi
