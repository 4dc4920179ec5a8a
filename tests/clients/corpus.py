"""The upload bodies the test suite has the server accept, gathered in one place.

Drawn from the builders the suite uploads with (`tests/sessions/payloads.py`, the safety scenario
table of `tests/sessions/test_safety_scenarios.py`), the full body of the sessions API tests, the
README's `upload.json`, and the issue's minimal upload. `test_corpus.py` checks that the server
accepts every one, and `test_typescript_client.py` that each type-checks against the generated
TypeScript request type.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.conf import settings

from tests.sessions.payloads import full_session_payload, session_payload, stop_event
from tests.sessions.test_safety_scenarios import SCENARIOS, _session

README = Path(settings.BASE_DIR) / "README.md"


def readme_upload() -> dict:
    """The README's `upload.json`, as written there."""
    text = README.read_text()
    block = re.search(r"`upload\.json`:\s*```json\n(.*?)```", text, re.DOTALL)
    assert block, "README.md no longer shows upload.json"
    return json.loads(block.group(1))


def minimal_upload() -> dict:
    """The smallest upload the server takes: no set number, outcome, assistance or stop events."""
    body = session_payload(holds=1)
    return {
        "id": body["id"],
        "started_at": body["started_at"],
        "goal": "general_flexibility",
        "holds": [{"exercise": "assisted-lying-hamstring-stretch", "side": "left", "held_seconds": 30, "intensity": 5}],
    }


def full_upload(trainer_id: int) -> dict:
    """Every field an upload can carry: the sessions API tests' full session, with notes and a hold's optional
    fields sent explicitly."""
    body = full_session_payload(trainer_id=trainer_id)
    body["notes"] = "Right side tight."
    body["holds"][0].update(set_number=1, target_seconds=30, pain=None)
    return body


def _scenario_bodies() -> dict[str, dict]:
    bodies = {}
    for index, scenario in enumerate(SCENARIOS):
        body = _session(scenario.exercise, scenario.goal, 3, scenario.holds)
        if scenario.stop:
            first = body["holds"][0]["started_at"]
            body["stop_events"] = [{"occurred_at": first, "side": "left", "hold_index": 0, **scenario.stop}]
        bodies[f"scenario_{index}"] = body
    return bodies


def accepted_uploads(*, trainer_id: int) -> dict[str, dict]:
    """Name → body of every upload in the corpus (fresh ids and times on each call)."""
    no_side = session_payload(holds=1)
    no_side["stop_events"] = [stop_event(no_side["started_at"], kind="other", note="Knee felt unstable.", side=None)]
    on_a_hold = session_payload(holds=2)
    on_a_hold["stop_events"] = [stop_event(on_a_hold["holds"][0]["started_at"], hold_index=0)]
    high_pain = session_payload(holds=2)
    high_pain["stop_events"] = [stop_event(high_pain["holds"][1]["started_at"], hold_index=1, pain=8)]
    stopped = session_payload(holds=2)
    stopped["stop_events"] = [
        stop_event(stopped["holds"][1]["started_at"], hold_index=1, action="stopped_session", pain=None)
    ]
    return {
        "session_payload": session_payload(),
        "without_holds": session_payload(holds=0, measurements=[]),
        "stop_event_without_side": no_side,
        "stop_event_on_a_hold": on_a_hold,
        "stop_event_with_high_pain": high_pain,
        "stopped_session": stopped,
        "trainer_assisted": session_payload(assisted_by="trainer", trainer_id=trainer_id, partner_name=""),
        "full": full_upload(trainer_id),
        "readme": readme_upload(),
        "minimal": minimal_upload(),
        **_scenario_bodies(),
    }


def as_typescript(bodies: dict[str, dict]) -> str:
    """A TypeScript module declaring each body as a `SessionUpload`: it compiles only if each one type-checks."""
    lines = [
        "// Written by tests/clients (corpus.py) from the test suite's accepted uploads; not kept in git.",
        'import type { SessionUpload } from "../src/types.js";',
        "",
    ]
    for name, body in bodies.items():
        lines.append(f"export const {name}: SessionUpload = {json.dumps(body, indent=2)};")
    return "\n".join(lines) + "\n"
