"""The benchmark data generator: its rows follow the models' rules and the upload service's arithmetic."""

import io
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.db.models import Count, Max, Min

from bench.generate import BENCH_PASSWORD, generate
from catalog.models import Dose
from sessions.models import Alert, Hold, Measurement, StopEvent, StretchSession, TrainerLink, User
from sessions.rules.values import HIGH_PAIN
from tests.conftest import bearer_client
from tests.sessions.payloads import iso

pytestmark = pytest.mark.django_db

UNTIL = datetime(2026, 6, 1, tzinfo=UTC)


def run(seed: int = 5, until: datetime = UNTIL, **sizes):
    sizes = {"clients": 25, "holds": 800, "trainers": 3, "stop_rate": 0.2, **sizes}
    return generate(seed=seed, until=until, out=io.StringIO(), **sizes)


def test_generator_makes_clients_trainers_and_about_the_holds_asked_for():
    report = run()

    clients = User.objects.filter(role="client", email__endswith=".s5@bench.example")
    trainers = User.objects.filter(role="trainer", email__endswith=".s5@bench.example")
    assert clients.count() == 25
    assert trainers.count() == 3
    assert all(t.is_staff for t in trainers)
    assert check_password(BENCH_PASSWORD, clients.first().password)
    assert abs(Hold.objects.count() - 800) < 40
    assert report.rows["hold"] == Hold.objects.count()
    assert report.rows["stretchsession"] == StretchSession.objects.count()
    assert TrainerLink.objects.filter(ended_at__isnull=True, trainer__in=trainers).exists()


def test_generated_holds_follow_the_exercise_laterality_pnf_and_dose():
    run()

    holds = list(Hold.objects.select_related("exercise__pnf", "session"))
    doses = {(d.exercise_id, d.goal): d for d in Dose.objects.all()}
    for hold in holds:
        per_side = hold.exercise.laterality == "per_side"
        assert hold.side in (("left", "right") if per_side else ("both",))
        pnf = hold.exercise.technique == "pnf_contract_relax"
        assert (hold.contract_seconds is not None) is pnf
        assert (hold.assisted_hold_seconds is not None) is pnf
        dose = doses.get((hold.exercise_id, hold.session.goal))
        ceiling = hold.exercise.target_intensity_max if dose is None else dose.intensity_cap
        assert hold.above_target is (hold.intensity > ceiling)
        phases = []
        if pnf:  # a PNF phase outside the exercise's protocol puts the hold outside the dose
            p = hold.exercise.pnf
            for name, seconds, low, high in [
                ("contract", hold.contract_seconds, p.contract_seconds_min, p.contract_seconds_max),
                ("relax", hold.relax_seconds, p.relax_seconds_min, p.relax_seconds_max),
                ("assisted hold", hold.assisted_hold_seconds, p.assisted_hold_seconds_min, p.assisted_hold_seconds_max),
            ]:
                if not low <= seconds <= high:
                    phases.append(name)
        assert hold.outside_dose_phase_list == phases
        assert hold.outside_dose is (
            dose is None or not dose.hold_seconds_min <= hold.held_seconds <= dose.hold_seconds_max or bool(phases)
        )
    assert {h.exercise.technique for h in holds} >= {"pnf_contract_relax", "passive_static"}
    sides = Counter(h.side for h in holds)
    assert sides["left"] > 0
    assert sides["both"] > 0
    completed = Counter((h.session_id, h.exercise_id, h.side) for h in holds if h.session.outcome == "completed")
    for (session, exercise, side), count in completed.items():
        if side == "left":  # per-side holds come in pairs, unless a stop sign ended the session between them
            assert completed[(session, exercise, "right")] == count


def test_generated_sessions_hold_4_to_40_holds_in_order_inside_the_window():
    run()

    positions = StretchSession.objects.annotate(
        n=Count("holds"), first=Min("holds__position"), last=Max("holds__position")
    )
    for session in positions:
        assert 4 <= session.n <= 40
        assert (session.first, session.last) == (1, session.n)
        assert UNTIL - timedelta(days=18 * 31) <= session.started_at < session.ended_at <= UNTIL
    for event in StopEvent.objects.select_related("session"):
        assert event.session.started_at <= event.occurred_at <= event.session.ended_at
    assert Measurement.objects.exists()


def test_generated_session_counters_and_alerts_match_its_rows():
    run()

    for session in StretchSession.objects.prefetch_related(
        "holds", "stop_events__stop_sign", "stop_events__hold", "alerts"
    ):
        holds, events = list(session.holds.all()), list(session.stop_events.all())
        pains = [h.pain for h in holds if h.pain is not None] + [e.pain for e in events if e.pain is not None]
        assert session.holds_above_target == sum(h.above_target for h in holds)
        assert session.holds_outside_dose == sum(h.outside_dose for h in holds)
        assert session.has_stop_event is bool(events)
        assert session.max_pain == (max(pains) if pains else None)
        high_pain = [e for e in events if e.pain is not None and e.pain >= HIGH_PAIN]
        escalated = [
            e
            for e in events
            if e.action == "continued"
            and ((e.stop_sign is not None and e.stop_sign.severity == "stop") or e in high_pain)
        ]
        expected = Counter(
            [("stop_event", None, e.id) for e in events]
            + [("high_pain", None, e.id) for e in high_pain]
            + [("escalation", None, e.id) for e in escalated]
            + [("above_target", h.id, None) for h in holds if h.above_target]
            + [("high_pain", h.id, None) for h in holds if h.pain is not None and h.pain >= HIGH_PAIN]
        )
        assert Counter((a.kind, a.hold_id, a.stop_event_id) for a in session.alerts.all()) == expected
        for stop in (e for e in events if e.action == "stopped_session"):
            assert session.outcome == "stopped_early"
            assert all(h.started_at <= stop.occurred_at for h in holds)  # no hold after the stop
            assert max(h.position for h in holds) == stop.hold.position
    assert StopEvent.objects.exists()


def as_upload(session: StretchSession) -> dict:
    """The session's rows as the phone would have uploaded them, under a new id."""
    holds = list(session.holds.select_related("exercise").order_by("position"))
    index = {h.id: i for i, h in enumerate(holds)}
    body = {
        "id": str(uuid.uuid4()),
        "started_at": iso(session.started_at),
        "ended_at": iso(session.ended_at),
        "goal": session.goal,
        "outcome": session.outcome,
        "assisted_by": session.assisted_by,
        "holds": [
            {
                "exercise": h.exercise.slug,
                **{key: getattr(h, key) for key in ("side", "set_number", "target_seconds", "held_seconds")},
                **{key: getattr(h, key) for key in ("intensity", "pain", "contract_seconds", "relax_seconds")},
                "assisted_hold_seconds": h.assisted_hold_seconds,
                "started_at": iso(h.started_at),
            }
            for h in holds
        ],
        "stop_events": [
            {
                "kind": e.kind,
                "side": e.side or None,
                "occurred_at": iso(e.occurred_at),
                "pain": e.pain,
                "action": e.action,
                "note": e.note,
                "hold_index": index[e.hold_id],
            }
            for e in session.stop_events.select_related("stop_sign")
        ],
        "measurements": [
            {
                "kind": m.kind,
                "side": m.side or None,
                "value": float(m.value),
                "unit": m.unit,
                "zero_offset_cm": None if m.zero_offset_cm is None else float(m.zero_offset_cm),
                "measured_at": iso(m.measured_at),
            }
            for m in session.measurements.all()
        ],
    }
    if session.assisted_by == "partner":
        body["partner_name"] = session.partner_name
    if session.assisted_by == "trainer":
        body["trainer_id"] = session.assisting_trainer_id
    return body


def test_the_upload_api_accepts_generated_sessions_and_flags_them_alike():
    run(until=datetime.now(UTC).replace(microsecond=0))  # the API refuses sessions from the future
    sessions = list(StretchSession.objects.filter(deleted_at__isnull=True).select_related("owner"))

    for session in sessions:
        response = bearer_client(session.owner).post("/api/v1/sessions/", as_upload(session), format="json")

        assert response.status_code == 201, response.json()
        flags = response.json()["flags"]
        assert flags["holds_above_target"] == session.holds_above_target
        assert flags["holds_outside_dose"] == session.holds_outside_dose
        assert flags["has_stop_event"] is session.has_stop_event
        assert flags["max_pain"] == session.max_pain
        alerts = Counter(Alert.objects.filter(session_id=response.json()["id"]).values_list("kind", flat=True))
        assert alerts == Counter(session.alerts.values_list("kind", flat=True))
    assert any(s.has_stop_event for s in sessions)


def fingerprint() -> list:
    return [
        sorted(User.objects.filter(email__contains="@bench.example").values_list("email", "date_joined", "password")),
        sorted(StretchSession.objects.values_list("id", "owner__email", "started_at", "ended_at", "goal", "max_pain")),
        sorted(Hold.objects.values_list("id", "session_id", "exercise__slug", "side", "held_seconds", "intensity")),
        sorted(StopEvent.objects.values_list("id", "hold_id", "occurred_at", "action")),
        sorted(Alert.objects.values_list("kind", "hold_id", "stop_event_id", "acknowledged_at", "note"), key=str),
        sorted(TrainerLink.objects.values_list("trainer__email", "client__email", "created_at", "ended_at")),
    ]


def test_the_same_seed_generates_the_same_rows_and_another_seed_others():
    run(seed=11)
    first = fingerprint()
    StretchSession.objects.all().delete()  # first: a session keeps the trainer who assisted it
    User.objects.filter(email__contains="@bench.example").delete()

    run(seed=11)
    again = fingerprint()
    run(seed=12)

    assert again == first
    assert set(Hold.objects.values_list("id", flat=True)) > {row[0] for row in first[2]}


def test_a_seed_already_in_the_database_is_refused():
    run(seed=3, clients=2, holds=20)

    with pytest.raises(SystemExit, match="seed 3"):
        run(seed=3, clients=2, holds=20)
