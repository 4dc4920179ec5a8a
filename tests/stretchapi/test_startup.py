"""`make run`'s start-up (scripts/start.sh) and the bare address."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)
SH = shutil.which("sh") or "/bin/sh"


def test_the_bare_address_leads_to_the_api_docs(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/api/docs/"


def test_a_taken_port_is_reported_at_once_with_how_to_choose_another():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = {**os.environ, "BIND": f"127.0.0.1:{port}", "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}

        result = subprocess.run([SH, "scripts/start.sh"], cwd=REPO, env=env, capture_output=True, text=True, timeout=30)

    assert result.returncode == 1
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert f"BIND=127.0.0.1:{port + 1} make run" in result.stderr
    assert "Operations to perform" not in result.stdout  # it stopped before migrating


@pytest.fixture
def fake_project(tmp_path):
    """A copy of the scripts with `python` and `gunicorn` replaced by stubs that note their arguments."""
    shutil.copytree(REPO / "scripts", tmp_path / "scripts")
    shutil.copy(REPO / "requirements.txt", tmp_path / "requirements.txt")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("python", "gunicorn"):
        stub = bin_dir / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{tmp_path}/calls"\n')
        stub.chmod(0o755)
    (tmp_path / "staticfiles").mkdir()

    def start() -> tuple[list[str], str]:
        (tmp_path / "calls").unlink(missing_ok=True)
        env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "BIND": "127.0.0.1:8000"}
        result = subprocess.run([SH, "scripts/start.sh"], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return (tmp_path / "calls").read_text().splitlines(), result.stdout

    start.root = tmp_path
    return start


def test_static_files_are_collected_once_until_the_requirements_change(fake_project):
    first, _ = fake_project()
    second, said = fake_project()
    with (fake_project.root / "requirements.txt").open("a") as requirements:
        requirements.write("# a new pin\n")
    third, _ = fake_project()

    collect = "python manage.py collectstatic --noinput --verbosity 0"
    assert collect in first
    assert collect not in second
    assert "static files are up to date" in said
    assert collect in third
    assert "python manage.py migrate --noinput" in second


def test_start_says_where_to_go_next(fake_project):
    calls, said = fake_project()

    assert "http://127.0.0.1:8000/api/docs/" in said
    assert "http://127.0.0.1:8000/admin/" in said
    # gunicorn and the background worker start side by side, in either order (the stub worker may
    # even be stopped by the script's trap before it writes its line: only gunicorn's is certain)
    [web] = [call for call in calls if call.startswith("gunicorn ")]
    assert web.startswith("gunicorn stretchapi.wsgi:application --bind 127.0.0.1:8000")
    assert "start: 1 background worker(s) running (python manage.py worker)" in said


def test_what_the_server_loads_at_start_is_frozen_out_of_the_collector():
    """`stretchapi.wsgi` loads the URL configuration and its views, then freezes them (`gc.freeze`):
    a full collection in a worker no longer walks them."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stretchapi.settings.production",
        "SECRET_KEY": "start-up-test-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    probe = (
        "import gc, sys; import stretchapi.wsgi; "
        "print(gc.get_freeze_count(), 'sessions.api.sessions' in sys.modules, 'catalog.api.views' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True)

    frozen, sessions_views, catalog_views = result.stdout.split()
    assert int(frozen) > 50_000, result.stderr
    assert (sessions_views, catalog_views) == ("True", "True")  # the views were loaded before the freeze
