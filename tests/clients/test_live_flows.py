"""Both generated clients run their flow against pytest-django's live server.

The live server answers from another thread, so these tests commit their data; the module puts the
database back afterwards as the browser tests do (tests/browser/conftest.py says how).
"""

from __future__ import annotations

import sys

from tests.browser.conftest import database_as_the_module_found_it, database_snapshot  # noqa: F401 (autouse here)

from .conftest import NODE, PYTHON, live_db, needs_node, printed, run

pytestmark = live_db


@needs_node
def test_the_typescript_flow_passes_against_the_live_server(typescript_build, live_server, trainer_world):
    assert typescript_build.tsc.returncode == 0, printed(typescript_build.tsc)

    done = run(
        [NODE, "--test", "--test-reporter=tap", "build/src/flow.test.js"],
        typescript_build.root,
        env=trainer_world.environment(live_server.url),
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "# pass 1" in done.stdout and "# fail 0" in done.stdout, done.stdout


def test_the_python_flow_passes_against_the_live_server(python_client, live_server, trainer_world):
    done = run(
        [sys.executable, str(PYTHON / "flow.py")],
        PYTHON,
        env={"PYTHONPATH": str(python_client), **trainer_world.environment(live_server.url)},
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "every step passed" in done.stdout
