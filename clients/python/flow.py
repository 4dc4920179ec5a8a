"""A phone's day with StretchAPI through the generated Python client (openapi-python-client).

Sign up, sign in, choose an exercise, play its plan, upload a minimal and a full session, sync,
read progress, and the trainer's safety feed; each step checks what the server answered. The
anonymous steps use the plain `Client`: `mypy --strict` over this file proves that the schema lets
generated code call them without credentials.

Run by tests/clients/test_python_client.py against the test suite's live server; by hand:
    STRETCHAPI_URL=http://127.0.0.1:8000 STRETCHAPI_TRAINER_EMAIL=… STRETCHAPI_TRAINER_PASSWORD=… \\
    STRETCHAPI_INVITATION_CODE=… STRETCHAPI_CONSENTED_CLIENT_EMAIL=… python clients/python/flow.py
(`make clients` first, then `PYTHONPATH=clients/python/generated`).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from stretchapi_client import AuthenticatedClient, Client
from stretchapi_client.api.accounts import auth_register, auth_token_create, me_trainer_accept
from stretchapi_client.api.catalog import exercise_list, exercise_plan
from stretchapi_client.api.sessions import progress_retrieve, session_list, session_upload
from stretchapi_client.api.trainer import trainer_alert_list
from stretchapi_client.models import (
    AlertKindEnum,
    AssistedByEnum,
    ExerciseListGoal,
    ExerciseListOrdering,
    ExercisePlanAnswer,
    ExercisePlanGoal,
    ExercisePlanSide,
    GoalEnum,
    HoldInputRequest,
    InvitationAcceptRequest,
    Me,
    MeasurementInputRequest,
    MeasurementKindEnum,
    MeasurementSideEnum,
    NextStepActionEnum,
    OutcomeEnum,
    PaginatedAlertList,
    PaginatedExerciseSummaryList,
    PaginatedStretchSessionList,
    Progress,
    RegisterRequest,
    RoleEnum,
    SessionUploadRequest,
    SideEnum,
    StopActionEnum,
    StopEventInputRequest,
    StretchSession,
    TokenRequest,
    TokenResponse,
    TrainerLink,
    UnitEnum,
)
from stretchapi_client.types import Response

HAMSTRING = "assisted-lying-hamstring-stretch"
PNF = "pnf-hamstring-stretch"
PASSWORD = "stretch-every-day-42"  # noqa: S105 (the throwaway account the flow signs up)


@dataclass(frozen=True)
class Settings:
    base_url: str
    trainer_email: str
    trainer_password: str
    invitation_code: str
    consented_client_email: str

    @classmethod
    def from_environment(cls) -> Settings:
        return cls(
            base_url=os.environ["STRETCHAPI_URL"],
            trainer_email=os.environ["STRETCHAPI_TRAINER_EMAIL"],
            trainer_password=os.environ["STRETCHAPI_TRAINER_PASSWORD"],
            invitation_code=os.environ["STRETCHAPI_INVITATION_CODE"],
            consented_client_email=os.environ["STRETCHAPI_CONSENTED_CLIENT_EMAIL"],
        )


T = TypeVar("T")


def answered(response: Response[Any], status: int, kind: type[T]) -> T:
    """The parsed answer, after checking its status and type (a problem document says what went wrong)."""
    assert response.status_code == status, (response.status_code, response.content)
    assert isinstance(response.parsed, kind), response.parsed
    return response.parsed


def sign_in(anonymous: Client, settings: Settings, email: str, password: str, device: str) -> AuthenticatedClient:
    token = answered(
        auth_token_create.sync_detailed(
            client=anonymous, body=TokenRequest(email=email, password=password, device_name=device)
        ),
        201,
        TokenResponse,
    )
    return AuthenticatedClient(base_url=settings.base_url, token=token.token, raise_on_unexpected_status=True)


def minimal_upload(started: datetime) -> SessionUploadRequest:
    """What the issue's minimal upload is: no set number, outcome, assistance or stop events."""
    return SessionUploadRequest(
        id=uuid.uuid4(),
        started_at=started,
        goal=GoalEnum.GENERAL_FLEXIBILITY,
        holds=[HoldInputRequest(exercise=HAMSTRING, side=SideEnum.LEFT, held_seconds=30, intensity=5)],
    )


def full_upload(started: datetime) -> SessionUploadRequest:
    def at(minutes: float) -> datetime:
        return started + timedelta(minutes=minutes)

    return SessionUploadRequest(
        id=uuid.uuid4(),
        started_at=started,
        ended_at=at(30),
        goal=GoalEnum.GENERAL_FLEXIBILITY,
        outcome=OutcomeEnum.COMPLETED,
        assisted_by=AssistedByEnum.PARTNER,
        partner_name="Sam",
        app_version="python-flow",
        holds=[
            HoldInputRequest(
                exercise=HAMSTRING, side=SideEnum.LEFT, set_number=1, held_seconds=30, intensity=6, started_at=at(2)
            ),
            HoldInputRequest(
                exercise=HAMSTRING, side=SideEnum.RIGHT, held_seconds=30, intensity=8, pain=2, started_at=at(4)
            ),
            HoldInputRequest(
                exercise=PNF,
                side=SideEnum.LEFT,
                held_seconds=6,
                intensity=6,
                target_seconds=5,
                contract_seconds=5,
                relax_seconds=5,
                assisted_hold_seconds=6,
                started_at=at(8),
            ),
        ],
        stop_events=[
            StopEventInputRequest(
                kind="sharp-pain",
                side=SideEnum.RIGHT,
                occurred_at=at(5),
                action=StopActionEnum.EASED_OFF,
                pain=3,
                hold_index=1,
            ),
            StopEventInputRequest(
                kind="other", side=None, occurred_at=at(12), action=StopActionEnum.EASED_OFF, note="Felt dizzy."
            ),
        ],
        measurements=[
            MeasurementInputRequest(
                kind=MeasurementKindEnum.STRAIGHT_LEG_RAISE,
                side=MeasurementSideEnum.LEFT,
                value=74.0,
                unit=UnitEnum.DEG,
                measured_at=at(25),
            ),
            MeasurementInputRequest(
                kind=MeasurementKindEnum.SIT_AND_REACH,
                value=-3.5,
                unit=UnitEnum.CM,
                zero_offset_cm=23.0,
                measured_at=at(26),
            ),
        ],
    )


def run(settings: Settings) -> None:
    anonymous = Client(base_url=settings.base_url)

    # Sign up and sign this device in: anonymous operations, on the plain Client.
    email = f"py-{uuid.uuid4().hex[:8]}@example.com"
    body = RegisterRequest(email=email, password=PASSWORD, display_name="Python flow")
    me = answered(auth_register.sync_detailed(client=anonymous, body=body), 201, Me)
    assert me.role == RoleEnum.CLIENT
    phone = sign_in(anonymous, settings, email, PASSWORD, "py phone")

    # The catalog, filtered: what can I do with a partner and a mat for the back of my thighs?
    page = answered(
        exercise_list.sync_detailed(
            client=anonymous, muscle="biceps-femoris", goal=ExerciseListGoal.GENERAL_FLEXIBILITY,
            equipment_available="partner,mat", ordering=ExerciseListOrdering.NAME,
        ),
        200,
        PaginatedExerciseSummaryList,
    )  # fmt: skip
    assert HAMSTRING in [exercise.slug for exercise in page.results]
    assert all("biceps-femoris" in exercise.primary_muscles for exercise in page.results)

    # Its timer plan, anonymous (no warnings for nobody) and as the client.
    for caller in (anonymous, phone):
        plan = answered(
            exercise_plan.sync_detailed(
                HAMSTRING, client=caller, goal=ExercisePlanGoal.GENERAL_FLEXIBILITY, side=ExercisePlanSide.LEFT
            ),
            200,
            ExercisePlanAnswer,
        )
        assert [side.side for side in plan.sides] == [SideEnum.LEFT]
        assert plan.total_seconds > 0 and plan.warnings == [] and plan.disclaimer

    # The trainer's invitation, accepted before the sessions so that their alerts reach the trainer.
    link = answered(
        me_trainer_accept.sync_detailed(client=phone, body=InvitationAcceptRequest(code=settings.invitation_code)),
        201,
        TrainerLink,
    )
    assert link.trainer.email == settings.trainer_email

    synced_at = datetime.now(UTC) - timedelta(seconds=1)
    started = datetime.now(UTC) - timedelta(hours=1)

    # The minimal upload: the server fills in what was left out.
    minimal = answered(
        session_upload.sync_detailed(client=phone, body=minimal_upload(started - timedelta(hours=1))),
        201,
        StretchSession,
    )
    assert (minimal.outcome, minimal.assisted_by) == (OutcomeEnum.COMPLETED, AssistedByEnum.SELF)
    assert [hold.set_number for hold in minimal.holds] == [1] and minimal.stop_events == []

    # A full upload, sent twice as a phone on a bad network would: stored once.
    upload = full_upload(started)
    full = answered(
        session_upload.sync_detailed(client=phone, body=upload, idempotency_key=str(uuid.uuid4())),
        201,
        StretchSession,
    )
    assert full.flags.has_stop_event and full.flags.holds_above_target == 1
    assert (len(full.holds), len(full.stop_events), len(full.measurements)) == (3, 2, 2)
    assert full.stop_events[0].hold == full.holds[1].id
    retried = answered(session_upload.sync_detailed(client=phone, body=upload), 200, StretchSession)
    assert retried.version == full.version

    # Delta sync: what changed since the phone last looked.
    changed = answered(
        session_list.sync_detailed(client=phone, updated_since=synced_at), 200, PaginatedStretchSessionList
    )
    assert sorted(str(session.id) for session in changed.results) == sorted([str(upload.id), str(minimal.id)])

    # Progress: both sides logged; the unacknowledged stop event freezes the next step.
    progress = answered(progress_retrieve.sync_detailed(client=phone, exercise=HAMSTRING), 200, Progress)
    assert sorted(side.side for side in progress.sides) == ["left", "right"]
    assert progress.next_step.action == NextStepActionEnum.FROZEN

    # The trainer's safety feed: this client's stop event, and the alerts of the client they already had.
    tablet = sign_in(anonymous, settings, settings.trainer_email, settings.trainer_password, "py tablet")
    mine = answered(
        trainer_alert_list.sync_detailed(client=tablet, client_query=me.id, acknowledged=False), 200, PaginatedAlertList
    )
    assert AlertKindEnum.STOP_EVENT in [alert.kind for alert in mine.results if alert.session == upload.id]
    feed = answered(trainer_alert_list.sync_detailed(client=tablet), 200, PaginatedAlertList)
    assert {alert.client.email for alert in feed.results} == {email, settings.consented_client_email}


if __name__ == "__main__":
    run(Settings.from_environment())
    print("python flow: every step passed")
