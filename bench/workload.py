"""The requests of the load benchmark, apart from locust (which patches the standard library when
imported), so that `bench/profile_endpoint.py` can replay them in-process.

`fixture` is what `run_load.make_fixture` writes: device tokens of generated
clients and trainers, and the catalog facts needed to build valid requests.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

UPLOAD_HOLDS = 40
UPLOAD = f"session upload ({UPLOAD_HOLDS} holds)"
TRAINER_PATHS = {"trainer clients": "/api/v1/trainer/clients/", "trainer alerts": "/api/v1/trainer/alerts/"}


def catalog_path(kind: str, fixture: dict) -> str:
    """A random catalog URL of one kind: `list`, `detail` or `plan`."""
    if kind == "list":
        return "/api/v1/exercises/"
    exercise = random.choice(fixture["exercises"])
    if kind == "detail":
        return f"/api/v1/exercises/{exercise['slug']}/"
    return plan_path(exercise["slug"], random.choice(exercise["goals"]))


def plan_path(slug: str, goal: str) -> str:
    return f"/api/v1/exercises/{slug}/plan/?goal={goal}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def upload_body(fixture: dict, now: datetime | None = None) -> dict:
    """A finished 40-hold general-flexibility session under a new id, as a phone uploads it:
    per-side exercises left then right, a few sets each, PNF phases where the exercise has them."""
    now = now or datetime.now(UTC)
    started = now - timedelta(minutes=60)
    holds: list[dict] = []
    while len(holds) < UPLOAD_HOLDS:
        exercise = random.choice(fixture["upload_exercises"])
        sides = ["left", "right"] if exercise["per_side"] else ["both"]
        low, high = exercise["target_intensity"]
        for set_number in range(1, 4):
            for side in sides[: UPLOAD_HOLDS - len(holds)]:
                hold = {
                    "exercise": exercise["slug"],
                    "side": side,
                    "set_number": set_number,
                    "held_seconds": random.randint(*exercise["hold_seconds"]),
                    "intensity": random.randint(low, min(10, high + 1)),
                    "started_at": _iso(started + timedelta(minutes=1 + len(holds))),
                }
                if exercise["pnf"]:
                    phases = ("contract_seconds", "relax_seconds", "assisted_hold_seconds")
                    hold.update(zip(phases, exercise["pnf"], strict=True))
                if random.random() < 0.05:
                    hold["pain"] = random.randint(0, 4)
                holds.append(hold)
    measured = _iso(started + timedelta(minutes=UPLOAD_HOLDS + 2))
    return {
        "id": str(uuid.uuid4()),
        "started_at": _iso(started),
        "ended_at": _iso(started + timedelta(minutes=UPLOAD_HOLDS + 5)),
        "goal": "general_flexibility",
        "assisted_by": "partner",
        "partner_name": "Sam",
        "app_version": "1.4.2",
        "holds": holds,
        "measurements": [
            {"kind": "straight_leg_raise", "side": side, "value": round(random.uniform(60, 80), 1), "unit": "deg",
             "measured_at": measured}
            for side in ("left", "right")
        ],
    }  # fmt: skip
