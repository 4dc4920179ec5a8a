"""The read answers built as plain dicts (`sessions/api/serializers/documents.py`) are the serializers'
output, value for value and byte for byte, over varied data: tombstones, stop events of kind `other`
and without a side, PNF holds outside the dose, timestamps with fractions of a second, both kinds of
measurement, trainer-assisted sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson
import pytest
from django.db import connection
from django.db.models import Avg, OuterRef, Subquery
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.serializers import ModelSerializer

from sessions.api.serializers.documents import (
    hold_document,
    hold_json,
    moment_writer,
    progress_document,
    session_documents,
)
from sessions.api.serializers.logbook import HoldSerializer, StretchSessionSerializer
from sessions.api.serializers.progress import ProgressSerializer
from sessions.api.serializers.trainers import TrainerClientSerializer
from sessions.logbook import selectors as logbook_selectors
from sessions.logbook.selectors import hold_row
from sessions.models import Hold, StretchSession
from sessions.programs import services as program_services
from sessions.progress import selectors as progress_selectors
from sessions.rules.adherence import FOUR_WEEKS_DAYS
from sessions.trainers import selectors as trainer_selectors
from stretchapi.api.renderers import OrjsonRenderer
from tests.conftest import bearer_client
from tests.sessions.exports_world import upload
from tests.sessions.panel_world import EXERCISE, assign_program, balanced_session, build_panel_world, make_client
from tests.sessions.payloads import full_session_payload, iso, session_payload

pytestmark = pytest.mark.django_db


class FieldByFieldHoldSerializer(HoldSerializer):
    """`HoldSerializer` as DRF runs it, field by field (its own `to_representation` is written out)."""

    def to_representation(self, hold):
        return ModelSerializer.to_representation(self, hold)


class FieldByFieldSessionSerializer(StretchSessionSerializer):
    holds = FieldByFieldHoldSerializer(many=True)


def rendered(data) -> bytes:
    """What the API sends: the project's renderer, and DRF's own, agree on it."""
    ours, drf = OrjsonRenderer().render(data), JSONRenderer().render(data)
    assert ours == drf
    return ours


def sent(documents) -> bytes:
    """What the API sends of documents whose holds PostgreSQL may have written already (JSON text
    that only the project's renderer writes as it is)."""
    return OrjsonRenderer().render(documents)


@pytest.fixture
def varied(world):
    """The export world (tombstone, `other` stop event, sit-and-reach, a fraction of a second, a
    trainer-assisted session), and for Casey a session with every kind of row and a flagged one."""
    upload(world.casey, full_session_payload(trainer_id=world.trainer.pk))
    flagged = session_payload(holds=3, started=timezone.now() - timedelta(days=9))
    flagged["holds"][1].update(intensity=10, pain=8)
    flagged["stop_events"] = []
    upload(world.casey, flagged)
    return world


def test_session_documents_are_the_serializers_output(varied):
    for owner in (varied.casey, varied.olive, varied.blank):
        rows = logbook_selectors.session_rows(owner=owner, include_deleted=True).order_by("-started_at", "-id")
        sessions = logbook_selectors.session_list(owner=owner, include_deleted=True).order_by("-started_at", "-id")

        for holds_json in (None, hold_json):  # the holds written here, and by PostgreSQL (elsewhere: here)
            page = logbook_selectors.session_rows_with_children(list(rows), holds_json=holds_json)
            documents = session_documents(page)

            expected = FieldByFieldSessionSerializer(sessions, many=True).data
            assert sent(documents) == rendered(expected)
            if holds_json is None or connection.vendor != "postgresql":
                assert documents == expected
    assert [d["deleted"] for d in documents] == [False]  # Blank's one session
    page = logbook_selectors.session_rows_with_children(
        list(logbook_selectors.session_rows(owner=varied.casey, include_deleted=True)), holds_json=hold_json
    )
    casey = orjson.loads(sent(session_documents(page)))
    assert sorted(len(d["holds"]) for d in casey) == [0, 1, 2, 3, 5]  # the tombstone shows none
    assert {e["kind"] for d in casey for e in d["stop_events"]} == {"nerve-tingling", "sharp-pain", "other"}


def test_session_list_answer_is_the_serializers_page(varied):
    since = iso(timezone.now() - timedelta(days=400))

    response = bearer_client(varied.casey).get("/api/v1/sessions/", {"updated_since": since, "page_size": 3})

    sessions = logbook_selectors.session_list(owner=varied.casey, include_deleted=True).order_by("updated_at", "id")
    first_page = FieldByFieldSessionSerializer(sessions[:3], many=True).data
    body = response.json()
    assert response.status_code == 200
    assert body["previous"] is None and body["next"]
    expected = {"next": body["next"], "previous": None, "results": first_page}
    assert response.content == rendered(expected)


def test_session_list_with_no_session_is_an_empty_page(as_client, django_assert_num_queries):
    with django_assert_num_queries(2):  # the token, the sessions
        response = as_client.get("/api/v1/sessions/")

    assert response.json() == {"next": None, "previous": None, "results": []}


# The trainer's clients ----------------------------------------------------------------------


def reference_trainer_clients(trainer):
    """The client list as one annotated query, as it was built before the balance had a query of its
    own: each side's mean over 28 days as a subquery on the main exercise."""
    four_weeks = timezone.now() - timedelta(days=FOUR_WEEKS_DAYS)

    def side_mean(side: str) -> Subquery:
        holds = Hold.objects.filter(
            session__owner=OuterRef("pk"),
            session__deleted_at__isnull=True,
            session__started_at__gte=four_weeks,
            exercise__slug=OuterRef("main_exercise"),
            side=side,
        )
        return Subquery(holds.values("session__owner").annotate(mean=Avg("held_seconds")).values("mean")[:1])

    return trainer_selectors.trainer_clients(trainer=trainer).annotate(
        main_left_held_seconds=side_mean("left"), main_right_held_seconds=side_mean("right")
    )


@pytest.fixture
def panel(db):
    """The panel's world (programs, a frozen client, an imbalance, a dropped adherence), with Eve's
    program on an exercise she never logged, and a deleted session of Cleo's."""
    world = build_panel_world()
    program_services.program_assign(
        trainer=world.trainer, client=world.eve, sessions_per_week=4,
        items=[{"exercise": "seated-hamstring-stretch", "goal": "general_flexibility", "holds_per_side": 3,
                "hold_seconds": 30, "override_reason": "Easing in."}],
    )  # fmt: skip
    gone = StretchSession.objects.filter(owner=world.cleo).latest("started_at")
    bearer_client(world.cleo).delete(f"/api/v1/sessions/{gone.pk}/", HTTP_IF_MATCH=gone.etag)
    return world


def test_trainer_client_documents_are_the_serializers_output(panel):
    response = bearer_client(panel.trainer).get("/api/v1/trainer/clients/")

    expected = TrainerClientSerializer(reference_trainer_clients(panel.trainer), many=True).data
    assert response.status_code == 200
    assert response.json() == expected
    assert response.content == rendered(expected)
    by_name = {row["display_name"]: row for row in response.json()}
    assert by_name["Ben"]["main_exercise_balance"]["difference"] == 20.0
    assert by_name["Eve"]["main_exercise_balance"] == {
        "exercise": "seated-hamstring-stretch", "left_held_seconds": None, "right_held_seconds": None,
        "difference": None,
    }  # fmt: skip
    assert by_name["Cleo"]["main_exercise_balance"] is None
    assert by_name["Cleo"]["sessions_last_7_days"] == 0  # her one session is deleted
    assert by_name["Ana"]["open_alerts"] > 0


@pytest.mark.parametrize("extra_clients", [0, 10])
def test_trainer_client_list_query_count_is_fixed(panel, django_assert_num_queries, extra_clients):
    for n in range(extra_clients):
        client = make_client(panel.trainer, f"extra{n}@example.com", f"Extra {n}")
        assign_program(panel.trainer, client)
        balanced_session(client, timezone.now() - timedelta(days=2), left=30 + n, right=30)
    trainer_api = bearer_client(panel.trainer)

    with django_assert_num_queries(3):  # token (1), clients with their counts, their main exercises' balance
        response = trainer_api.get("/api/v1/trainer/clients/")

    assert len(response.json()) == 5 + extra_clients


# Progress ---------------------------------------------------------------------------------------


def test_progress_documents_are_the_serializers_output(panel):
    """Every client of the panel's world (a freeze with its event, an imbalance with leg angles, no
    holds at all), on a per-side exercise, a both-sides one and one never logged, at two goals."""
    cases = 0
    for client in (panel.ana, panel.ben, panel.cleo, panel.dan, panel.eve):
        for slug in (EXERCISE, "seated-hamstring-stretch", "pnf-hamstring-stretch"):
            exercise, doses = progress_selectors.exercise_with_doses(slug=slug)
            for goal in (None, "general_flexibility"):
                result = progress_selectors.progress(owner=client, exercise=exercise, doses=doses, goal=goal)

                document = progress_document(result)

                expected = ProgressSerializer(result).data
                assert document == expected
                assert rendered(document) == rendered(expected)
                cases += 1
    exercise, doses = progress_selectors.exercise_with_doses(slug=EXERCISE)
    ana = progress_selectors.progress(owner=panel.ana, exercise=exercise, doses=doses, goal=None)
    assert progress_document(ana)["next_step"]["event"]["kind"] == "escalation"
    ben = progress_selectors.progress(owner=panel.ben, exercise=exercise, doses=doses, goal=None)
    balance = progress_document(ben)["balance"]
    assert balance["angles"][0]["difference"] == Decimal("10.0")
    assert balance["held_seconds_difference"] == 20.0
    assert cases == 30


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the holds' JSON is written by PostgreSQL only")
@pytest.mark.parametrize(
    "values",
    [
        {"started_at": None},
        {"started_at": datetime(2000, 1, 1, tzinfo=UTC)},  # the earliest moment, on a whole second
        {"started_at": datetime(2100, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)},
        {"started_at": datetime(2026, 3, 29, 1, 30, 0, 100_000, tzinfo=UTC)},  # a trailing-zero fraction
        {"started_at": datetime(2026, 7, 1, 12, 0, 0, 1, tzinfo=UTC)},  # one microsecond
        {"outside_dose_phases": "contract_seconds", "outside_dose": True},
        {"outside_dose_phases": "contract_seconds,relax_seconds", "outside_dose": True},
        {"pain": 0, "intensity": 0, "target_seconds": 30, "contract_seconds": 6, "relax_seconds": 0},
        {"pain": 10, "intensity": 10, "above_target": True, "assisted_hold_seconds": 120, "set_number": 9},
    ],
)
def test_the_holds_json_postgresql_writes_is_hold_document(client_user, values):
    """`hold_json`, compiled for PostgreSQL, writes each hold as `hold_document` does — edge values
    the API can store, set straight in the row."""
    session_id = upload(client_user, session_payload(holds=2))["id"]
    Hold.objects.filter(session_id=session_id, position=2).update(**values)
    holds = list(logbook_selectors.holds_with_exercise_slug().filter(session_id=session_id).order_by("position"))
    row = logbook_selectors.session_rows(owner=client_user).filter(id=session_id).get()

    page = logbook_selectors.session_rows_with_children([row], holds_json=hold_json)

    moment = moment_writer()
    assert page[0]["holds"] == orjson.dumps([hold_document(hold_row(h), moment) for h in holds]).decode()
    assert page[0]["holds"] == rendered(FieldByFieldHoldSerializer(holds, many=True).data).decode()
