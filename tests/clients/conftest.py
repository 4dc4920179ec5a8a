"""The generated clients, built once per test session, and a live server with a trainer's world.

The TypeScript client: `npm ci` in clients/typescript (skipped while node_modules matches the lock
file), `openapi-typescript` over the committed schema/openapi.yaml, the corpus module written from
tests/clients/corpus.py, then `tsc --strict`. The Python client: `openapi-python-client` into a
temporary folder. Each flow then runs against pytest-django's live server, whose database is put
back after the test as the browser tests do (tests/browser/conftest.py explains how).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from sessions.api.serializers.logbook import SessionUploadSerializer
from sessions.logbook.services import session_upload
from sessions.models import User
from sessions.trainers.services import invitation_accept, invitation_create
from tests.browser.conftest import browser_db
from tests.sessions.payloads import session_payload, stop_event

from .corpus import accepted_uploads, as_typescript

ROOT = Path(settings.BASE_DIR)
SCHEMA = ROOT / "schema" / "openapi.yaml"
TYPESCRIPT = ROOT / "clients" / "typescript"
PYTHON = ROOT / "clients" / "python"
BIN = Path(sys.executable).parent
NODE, NPM = shutil.which("node"), shutil.which("npm")
PASSWORD = "a-long-Passphrase-42"

needs_node = pytest.mark.skipif(
    NODE is None or NPM is None, reason="Node.js is not installed (apt-get install nodejs npm); .ci/run installs it"
)
live_db = browser_db  # committed data the live server's thread can read, restored after the module


def run(command: list[str], cwd: Path, timeout: int = 300, env: dict[str, str] | None = None, check: bool = True):
    """Run a command; on failure, fail the test with everything it printed."""
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )
    if check and done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


def printed(done: subprocess.CompletedProcess) -> str:
    return done.stdout + done.stderr


@dataclass(frozen=True)
class TypeScriptBuild:
    root: Path
    types: str  # the generated schema module
    tsc: subprocess.CompletedProcess


@pytest.fixture(scope="session")
def typescript_build() -> TypeScriptBuild:
    lock = hashlib.sha256((TYPESCRIPT / "package-lock.json").read_bytes()).hexdigest()
    stamp = TYPESCRIPT / "node_modules" / ".installed-lock"
    if not stamp.exists() or stamp.read_text() != lock:
        run([NPM, "ci", "--no-audit", "--no-fund"], TYPESCRIPT)
        stamp.write_text(lock)
    shutil.rmtree(TYPESCRIPT / "build", ignore_errors=True)
    run([NPM, "run", "--silent", "generate"], TYPESCRIPT)
    corpus = as_typescript(accepted_uploads(trainer_id=1))  # any trainer id type-checks
    (TYPESCRIPT / "generated" / "corpus.ts").write_text(corpus)
    tsc = run([NPM, "run", "--silent", "build"], TYPESCRIPT, check=False)
    return TypeScriptBuild(TYPESCRIPT, (TYPESCRIPT / "generated" / "schema.ts").read_text(), tsc)


@pytest.fixture(scope="session")
def python_client(tmp_path_factory) -> Path:
    """The generated package's parent folder (put it on PYTHONPATH / MYPYPATH)."""
    out = tmp_path_factory.mktemp("python-client")
    run(
        [str(BIN / "openapi-python-client"), "generate", "--path", str(SCHEMA), "--meta", "none",
         "--output-path", str(out / "stretchapi_client"), "--config", str(PYTHON / "config.yaml")],
        ROOT,
    )  # fmt: skip
    return out


@dataclass(frozen=True)
class TrainerWorld:
    trainer: User
    consented_client: User
    invitation_code: str

    def environment(self, url: str) -> dict[str, str]:
        return {
            "STRETCHAPI_URL": url,
            "STRETCHAPI_TRAINER_EMAIL": self.trainer.email,
            "STRETCHAPI_TRAINER_PASSWORD": PASSWORD,
            "STRETCHAPI_INVITATION_CODE": self.invitation_code,
            "STRETCHAPI_CONSENTED_CLIENT_EMAIL": self.consented_client.email,
        }


@pytest.fixture
def trainer_world(live_server) -> TrainerWorld:
    """A trainer with a consented client who logged a stop event (one open alert), and an open invitation
    for the flow's new client."""
    trainer = User.objects.create_user("tess@example.com", password=PASSWORD, role="trainer")
    client = User.objects.create_user("ana@example.com", password=PASSWORD)
    invitation_accept(client=client, code=invitation_create(trainer=trainer).code)
    body = session_payload(holds=2)
    body["stop_events"] = [stop_event(body["holds"][0]["started_at"], hold_index=0)]
    data = SessionUploadSerializer(data=body)
    data.is_valid(raise_exception=True)
    session_upload(owner=client, data=data.validated_data, content_hash=body["id"])
    return TrainerWorld(trainer, client, invitation_create(trainer=trainer).code)
