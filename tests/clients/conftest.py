"""The generated clients, built once per checkout and inputs, and a live server with a trainer's world.

The TypeScript client: `npm ci` in clients/typescript (skipped while node_modules matches the lock
file), `openapi-typescript` over the committed schema/openapi.yaml, the corpus module written from
tests/clients/corpus.py, then `tsc --strict`. The Python client: `openapi-python-client` into
clients/python/generated/tests-<key>/. Each flow then runs against pytest-django's live server, whose
database is put back after the test as the browser tests do (tests/browser/conftest.py explains how).

Both builds are kept, keyed by a hash of everything they are made from (the schema, the lock file,
the TypeScript sources and settings, the corpus's shape; the schema, the generator's settings and
version), and reused by the next run while that key holds: `make test` runs the SQLite and the
PostgreSQL suites at once in one checkout, so each build happens under a file lock, the first run
builds and the other finds it built. A failed build is not kept: the next run builds again.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
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


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of a generated folder: one test run at a time builds in it or writes to it."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".tests.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def key_of(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


# A corpus differs from run to run only in its ids and times; its shape is what the compiler checks.
RANDOM_VALUES = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)?"
)


# A module the compiler must refuse: a string where the schema says integer (line 3), an unknown field
# (line 5), a missing one (line 6). Compiled alone, as the build's last step, then removed.
REFUSED = (
    'import type { SessionUpload } from "../src/types.js";\n'
    'export const a: SessionUpload = { id: "x", started_at: "2026-01-01T00:00:00Z", goal: "general_flexibility",\n'
    '  holds: [{ exercise: "leg-swings", side: "both", held_seconds: "30", intensity: 5 }] };\n'
    'export const b: SessionUpload = { id: "x", started_at: "2026-01-01T00:00:00Z", goal: "general_flexibility",\n'
    "  mood: 3 };\n"
    'export const c: SessionUpload = { id: "x", goal: "general_flexibility" };\n'
)
KEPT = ("args", "returncode", "stdout", "stderr")  # of each compiler run, for the runs that reuse the build


@dataclass(frozen=True)
class TypeScriptBuild:
    root: Path
    types: str  # the generated schema module
    tsc: subprocess.CompletedProcess  # the build: flow, sample and corpus under the project's strict settings
    refused: subprocess.CompletedProcess  # REFUSED, compiled alone


def _compile_refused() -> subprocess.CompletedProcess:
    refused = TYPESCRIPT / "generated" / "refused.ts"
    refused.write_text(REFUSED)
    try:
        return run(
            [str(TYPESCRIPT / "node_modules" / ".bin" / "tsc"), "--noEmit", "--strict", "--module", "NodeNext",
             "--moduleResolution", "NodeNext", "--target", "ES2022", "--skipLibCheck", "--types", "node",
             str(refused)],
            TYPESCRIPT, check=False,
        )  # fmt: skip
    finally:
        refused.unlink()


@pytest.fixture(scope="session")
def typescript_build() -> TypeScriptBuild:
    corpus = as_typescript(accepted_uploads(trainer_id=1))  # any trainer id type-checks
    lock = (TYPESCRIPT / "package-lock.json").read_bytes()
    sources = sorted((TYPESCRIPT / "src").rglob("*.ts"))
    key = key_of(
        SCHEMA.read_bytes(), lock, (TYPESCRIPT / "package.json").read_bytes(),
        (TYPESCRIPT / "tsconfig.json").read_bytes(), RANDOM_VALUES.sub("", corpus), REFUSED,
        *(f"{path.relative_to(TYPESCRIPT)}\n{path.read_text()}" for path in sources),
    )  # fmt: skip
    built = TYPESCRIPT / "build" / ".tests-build.json"
    with build_lock(TYPESCRIPT / "generated"):
        stamp = TYPESCRIPT / "node_modules" / ".installed-lock"
        if not stamp.exists() or stamp.read_text() != hashlib.sha256(lock).hexdigest():
            run([NPM, "ci", "--no-audit", "--no-fund"], TYPESCRIPT)
            stamp.write_text(hashlib.sha256(lock).hexdigest())
        kept = json.loads(built.read_text()) if built.exists() else {}
        if kept.get("key") == key and (TYPESCRIPT / "generated" / "corpus.ts").exists():
            tsc, refused = (
                subprocess.CompletedProcess(*(kept[name][field] for field in KEPT)) for name in ("tsc", "refused")
            )
        else:
            shutil.rmtree(TYPESCRIPT / "build", ignore_errors=True)
            run([NPM, "run", "--silent", "generate"], TYPESCRIPT)
            (TYPESCRIPT / "generated" / "corpus.ts").write_text(corpus)
            tsc = run([NPM, "run", "--silent", "build"], TYPESCRIPT, check=False)
            refused = _compile_refused()
            if tsc.returncode == 0:
                runs = {"tsc": tsc, "refused": refused}
                built.write_text(
                    json.dumps({"key": key, **{n: {f: getattr(r, f) for f in KEPT} for n, r in runs.items()}})
                )
        types = (TYPESCRIPT / "generated" / "schema.ts").read_text()
    return TypeScriptBuild(TYPESCRIPT, types, tsc, refused)


@pytest.fixture(scope="session")
def python_client() -> Path:
    """The generated package's parent folder (put it on PYTHONPATH / MYPYPATH)."""
    generated = PYTHON / "generated"
    key = key_of(SCHEMA.read_bytes(), (PYTHON / "config.yaml").read_bytes(), version("openapi-python-client"))
    out = generated / f"tests-{key[:16]}"
    with build_lock(generated):
        if not (out / ".complete").exists():
            for old in generated.glob("tests-*"):
                shutil.rmtree(old)
            run(
                [str(BIN / "openapi-python-client"), "generate", "--path", str(SCHEMA), "--meta", "none",
                 "--output-path", str(out / "stretchapi_client"), "--config", str(PYTHON / "config.yaml")],
                ROOT,
            )  # fmt: skip
            (out / ".complete").touch()
    return out


def python_client_lock():
    """Held while mypy reads the generated package and writes its cache beside it."""
    return build_lock(PYTHON / "generated")


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
