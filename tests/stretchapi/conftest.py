"""Reports what the schemathesis run sent: totals in the terminal summary, details in
test-artifacts/<database>/schemathesis.txt."""

from __future__ import annotations

import sys
from pathlib import Path

from django.db import connection

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    run = sys.modules.get("tests.stretchapi.test_schemathesis")
    if run is None or not run.CASES:
        return
    operations = len({operation for operation, identity in run.ANSWERS if identity != "stateful"})
    folder = ARTIFACTS / connection.vendor  # `make test` runs both databases at once
    folder.mkdir(parents=True, exist_ok=True)
    terminalreporter.write_line(
        f"schemathesis: {sum(run.CASES.values())} test cases over {operations} operations ("
        + ", ".join(f"{identity} {count}" for identity, count in run.CASES.items())
        + f"); seed {run.SEED}, at most {run.MAX_EXAMPLES} examples "
        f"per operation and identity; details in test-artifacts/{connection.vendor}/schemathesis.txt"
    )
    lines = [
        f"{operation:58} {identity:9} {sum(codes.values()):4}  {dict(sorted(codes.items()))}"
        for (operation, identity), codes in sorted(run.ANSWERS.items())
    ]
    (folder / "schemathesis.txt").write_text("\n".join(lines) + "\n")
