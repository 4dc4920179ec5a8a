"""Writes: accounts, device tokens, and logged sessions with their safety flags."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from catalog.models import Dose, Exercise
from stretchapi.preconditions import require_current

from . import errors
from .choices import Role
from .models import (
    MAX_HOLDS_PER_SESSION,
    AccessLogEntry,
    Alert,
    DeviceToken,
    Hold,
    IdempotencyRecord,
    Measurement,
    Program,
    ProgramItem,
    StopEvent,
    StretchSession,
    TrainerInvitation,
    TrainerLink,
    User,
)
from .selectors import session_with_rows

IDEMPOTENCY_RETENTION = timedelta(hours=48)  # promised: at least 24 h


# Accounts ---------------------------------------------------------------------


class InvalidData(Exception):
    """Input the domain refuses; `errors` maps each field path to its (code, message) pairs."""

    def __init__(self, errors: dict[str, list[tuple[str, str]]]):
        self.errors = errors
        super().__init__(str(errors))


def user_create(*, email: str, password: str, role: str, display_name: str = "") -> User:
    """Create an account of any role under the sign-up rules: a unique, lowercased email
    address and a password that passes Django's validators. Staff get admin access."""
    email = User.objects.normalize_email(email.strip()).lower()
    problems: dict[str, list[tuple[str, str]]] = {}
    try:
        validate_email(email)
    except DjangoValidationError:
        problems["email"] = [("invalid", "Enter a valid email address.")]
    if User.objects.filter(email=email).exists():
        problems["email"] = [("email_taken", "An account with this email address already exists.")]
    candidate = User(email=email, display_name=display_name, role=role)
    try:
        password_validation.validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        problems["password"] = [(e.code or "invalid", str(e.message % (e.params or {}))) for e in exc.error_list]
    if problems:
        raise InvalidData(problems)
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, role=role, display_name=display_name)
    except IntegrityError as exc:  # a concurrent sign-up with the same address won
        raise InvalidData({"email": [("email_taken", "An account with this email address already exists.")]}) from exc


def user_register(*, email: str, password: str, display_name: str = "") -> User:
    """Sign-up: always a client account."""
    return user_create(email=email, password=password, role=Role.CLIENT, display_name=display_name)


@transaction.atomic
def token_issue(*, user: User, device_name: str) -> tuple[DeviceToken, str]:
    """Sign a device in: its previous token, if any, stops working.

    The user's row is locked so that two sign-ins from one device at the same
    moment cannot both keep a token (the database also holds one per device).
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    DeviceToken.objects.filter(user=user, device_name=device_name).delete()
    return DeviceToken.objects.create(user=user, device_name=device_name)


def token_revoke(*, token: DeviceToken) -> None:
    token.delete()


def tokens_revoke_all(*, user: User) -> int:
    deleted, _ = DeviceToken.objects.filter(user=user).delete()
    return deleted


# Sessions ---------------------------------------------------------------------


def session_upload(*, owner: User, data: dict[str, Any], content_hash: str) -> tuple[StretchSession, bool]:
    """Store a whole session at once, or recognise a retry of one already stored.

    Returns the session and whether it was created; a created session carries
    its rows (`selectors.session_with_rows`). The same id with the same
    content is a retry (nothing is written); with other content it is a
    `SessionConflict`; owned by someone else, a `SessionIdTaken` that reveals
    nothing of it. Concurrent retries race on the primary key: exactly one
    insert wins and the others become retries.
    """
    existing = StretchSession.objects.filter(pk=data["id"]).first()
    if existing is not None:
        return _upload_retry(existing, owner=owner, content_hash=content_hash), False
    _refuse_taken_child_ids(data)
    try:
        with transaction.atomic():
            session = _session_create(owner=owner, data=data, content_hash=content_hash)
    except IntegrityError:
        existing = StretchSession.objects.filter(pk=data["id"]).first()
        if existing is None:
            raise
        return _upload_retry(existing, owner=owner, content_hash=content_hash), False
    return session, True


def _upload_retry(existing: StretchSession, *, owner: User, content_hash: str) -> StretchSession:
    if existing.owner_id != owner.pk:
        raise errors.SessionIdTaken
    if existing.deleted_at is not None:
        raise errors.SessionDeleted
    if existing.content_hash != content_hash:
        raise errors.SessionConflict
    return existing


def _refuse_taken_child_ids(data: dict[str, Any]) -> None:
    """Client-chosen ids of holds, stop events and measurements must be new."""
    for model, key in ((Hold, "holds"), (StopEvent, "stop_events"), (Measurement, "measurements")):
        ids = [item["id"] for item in data.get(key, []) if item.get("id")]
        if ids and model.objects.filter(id__in=ids).exists():
            raise errors.RecordConflict(f"One of the ids in '{key}' is already in use; generate new ids.")


def _session_create(*, owner: User, data: dict[str, Any], content_hash: str) -> StretchSession:
    now = timezone.now()
    session = StretchSession(
        id=data["id"],
        owner=owner,
        assisted_by=data["assisted_by"],
        assisting_trainer=data.get("trainer"),
        partner_name=data.get("partner_name", ""),
        started_at=data["started_at"],
        ended_at=data.get("ended_at"),
        goal=data["goal"],
        outcome=data["outcome"],
        notes=data.get("notes", ""),
        app_version=data.get("app_version", ""),
        content_hash=content_hash,
        updated_at=now,
    )
    holds = [_hold_build(session, position, hold) for position, hold in enumerate(data.get("holds", []), 1)]
    stop_events = [
        _stop_event_build(session, event, holds[event["hold_index"]] if event.get("hold_index") is not None else None)
        for event in data.get("stop_events", [])
    ]
    measurements = [Measurement(session=session, **measurement) for measurement in data.get("measurements", [])]
    _session_flags_set(session, holds=holds, stop_events=stop_events)  # known before anything is written
    session.save(force_insert=True)
    Hold.objects.bulk_create(holds)
    StopEvent.objects.bulk_create(stop_events)
    Measurement.objects.bulk_create(measurements)
    _alerts_create(session, holds=holds, stop_events=stop_events)
    return session_with_rows(session, holds=holds, stop_events=stop_events, measurements=measurements)


def _hold_build(session: StretchSession, position: int, data: dict[str, Any]) -> Hold:
    """A hold with its safety flags, judged against its exercise and the session's goal.

    `data["exercise"]` must carry its doses (prefetched) so that judging a
    hundred holds costs no query.
    """
    exercise: Exercise = data["exercise"]
    dose = next((d for d in exercise.doses.all() if d.goal == session.goal), None)
    fields = {k: v for k, v in data.items() if k != "id" or v is not None}
    hold = Hold(session=session, position=position, **fields)
    hold.above_target = hold.intensity > exercise.target_intensity_max
    hold.outside_dose = dose is None or not dose.hold_seconds_min <= hold.held_seconds <= dose.hold_seconds_max
    return hold


def _stop_event_build(session: StretchSession, data: dict[str, Any], hold: Hold | None) -> StopEvent:
    fields = {k: v for k, v in data.items() if k not in ("hold_index", "kind") and (k != "id" or v is not None)}
    return StopEvent(session=session, hold=hold, stop_sign=data["kind"], **fields)


HIGH_PAIN = 7


def _alerts_create(session: StretchSession, *, holds: list[Hold], stop_events: list[StopEvent]) -> None:
    """The safety alerts of newly stored rows, in the same transaction (one insert).

    Each stop event raises one alert (carrying its pain rating); a hold raises
    one for an intensity above the exercise's target and one for a pain rating
    of 7 or more.
    """
    alerts = [
        Alert(
            client=session.owner, session=session, kind=Alert.Kind.STOP_EVENT, stop_event=e, occurred_at=e.occurred_at
        )
        for e in stop_events
    ]
    for hold in holds:
        occurred = hold.started_at or session.started_at
        if hold.above_target:
            alerts.append(
                Alert(
                    client=session.owner, session=session, kind=Alert.Kind.ABOVE_TARGET, hold=hold, occurred_at=occurred
                )
            )
        if hold.pain is not None and hold.pain >= HIGH_PAIN:
            alerts.append(
                Alert(client=session.owner, session=session, kind=Alert.Kind.HIGH_PAIN, hold=hold, occurred_at=occurred)
            )
    Alert.objects.bulk_create(alerts)


def _session_flags_set(session: StretchSession, *, holds: list[Hold], stop_events: list[StopEvent]) -> None:
    """The safety flags of a new session from the rows it is uploaded with, as
    `_session_flags_refresh` derives them from the stored rows, without a query."""
    pains = [row.pain for row in (*holds, *stop_events) if row.pain is not None]
    session.holds_above_target = sum(hold.above_target for hold in holds)
    session.holds_outside_dose = sum(hold.outside_dose for hold in holds)
    session.has_stop_event = bool(stop_events)
    session.max_pain = max(pains) if pains else None


def _session_flags_refresh(session: StretchSession) -> None:
    """Recompute the session's safety flags from its rows (two queries, whatever its size)."""
    holds = session.holds.aggregate(
        above=Count("id", filter=Q(above_target=True)),
        outside=Count("id", filter=Q(outside_dose=True)),
        max_pain=Max("pain"),
    )
    events = session.stop_events.aggregate(count=Count("id"), max_pain=Max("pain"))
    session.holds_above_target = holds["above"]
    session.holds_outside_dose = holds["outside"]
    session.has_stop_event = events["count"] > 0
    pains = [p for p in (holds["max_pain"], events["max_pain"]) if p is not None]
    session.max_pain = max(pains) if pains else None
    session.version += 1
    session.updated_at = timezone.now()
    session.save(
        update_fields=[
            "holds_above_target",
            "holds_outside_dose",
            "has_stop_event",
            "max_pain",
            "version",
            "updated_at",
        ]
    )


def _locked(session: StretchSession) -> StretchSession:
    """The session row, locked until the end of the transaction (serialises appends and edits)."""
    return StretchSession.objects.select_for_update().get(pk=session.pk)


@transaction.atomic
def hold_append(*, session: StretchSession, data: dict[str, Any]) -> tuple[Hold, bool]:
    """Log one hold live. Retrying with the same id returns the stored hold; other content is a conflict."""
    session = _locked(session)
    existing = Hold.objects.filter(pk=data["id"]).first()
    if existing is not None:
        if existing.session_id != session.pk or not _same_fields(existing, data, exclude={"id"}):
            raise errors.RecordConflict("A hold with this id already exists with different content.")
        return existing, False
    last = session.holds.aggregate(last=Max("position"), count=Count("id"))
    if last["count"] >= MAX_HOLDS_PER_SESSION:
        raise errors.HoldLimitReached
    position = (last["last"] or 0) + 1
    hold = _hold_build(session, position, data)
    hold.save(force_insert=True)
    _alerts_create(session, holds=[hold], stop_events=[])
    _session_flags_refresh(session)
    return hold, True


@transaction.atomic
def stop_event_append(*, session: StretchSession, data: dict[str, Any]) -> tuple[StopEvent, bool]:
    """Log one stop event live; idempotent by its id like `hold_append`."""
    session = _locked(session)
    existing = StopEvent.objects.filter(pk=data["id"]).first()
    if existing is not None:
        same = existing.session_id == session.pk and existing.stop_sign == data["kind"]
        if not same or not _same_fields(existing, data, exclude={"id", "kind"}):
            raise errors.RecordConflict("A stop event with this id already exists with different content.")
        return existing, False
    event = StopEvent(session=session, stop_sign=data["kind"], **{k: v for k, v in data.items() if k != "kind"})
    event.save(force_insert=True)
    _alerts_create(session, holds=[], stop_events=[event])
    _session_flags_refresh(session)
    return event, True


def _same_fields(instance, data: dict[str, Any], *, exclude: set[str]) -> bool:
    return all(getattr(instance, key) == value for key, value in data.items() if key not in exclude)


def _check_if_match(session: StretchSession, if_match: str | None) -> None:
    require_current(if_match, is_current=lambda tag: tag == session.etag, noun="session", verb="change or delete")


@transaction.atomic
def session_update(*, session: StretchSession, if_match: str | None, data: dict[str, Any]) -> StretchSession:
    """Change a session's own fields (not its holds) when the client holds its current ETag."""
    session = _locked(session)
    _check_if_match(session, if_match)
    for key, value in data.items():
        setattr(session, key, value)
    session.version += 1
    session.updated_at = timezone.now()
    session.save(update_fields=[*data, "version", "updated_at"])
    return session


@transaction.atomic
def session_delete(*, session: StretchSession, if_match: str | None) -> None:
    """Delete a session, keeping a tombstone so that the user's other devices learn of it."""
    session = _locked(session)
    _check_if_match(session, if_match)
    now = timezone.now()
    session.deleted_at = now
    session.updated_at = now
    session.version += 1
    session.save(update_fields=["deleted_at", "updated_at", "version"])


# Idempotency keys ---------------------------------------------------------------


def idempotency_record_find(*, user: User, key: str) -> IdempotencyRecord | None:
    cutoff = timezone.now() - IDEMPOTENCY_RETENTION
    return IdempotencyRecord.objects.filter(user=user, key=key, created_at__gte=cutoff).first()


def idempotency_record_save(
    *, user: User, key: str, method: str, path: str, request_hash: str, status_code: int, body: Any
) -> None:
    """Keep the first response to a keyed request; a concurrent twin that saved first wins."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.filter(
                user=user, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_RETENTION
            ).delete()
            IdempotencyRecord.objects.create(
                user=user,
                key=key,
                method=method,
                path=path,
                request_hash=request_hash,
                status_code=status_code,
                response_body=body,
            )
    except IntegrityError:
        pass


def idempotency_records_purge() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_RETENTION).delete()
    return deleted


# The trainer's side ------------------------------------------------------------

INVITATION_TTL = timedelta(days=7)
INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a phone


def invitation_create(*, trainer: User) -> TrainerInvitation:
    """A fresh 8-character code, valid for 7 days."""
    while True:
        code = "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(8))
        try:
            with transaction.atomic():
                return TrainerInvitation.objects.create(
                    trainer=trainer, code=code, expires_at=timezone.now() + INVITATION_TTL
                )
        except IntegrityError:  # the code is taken: draw another
            continue


@transaction.atomic
def invitation_accept(*, client: User, code: str) -> TrainerLink:
    """Link the client to the inviting trainer. The code works once, before it expires."""
    invitation = (
        TrainerInvitation.objects.select_for_update()
        .filter(code=code.strip().upper())
        .select_related("trainer")
        .first()
    )
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        raise errors.InvitationInvalid
    if invitation.trainer_id == client.pk:
        raise errors.InvitationInvalid("You cannot accept your own invitation.")
    invitation.accepted_by, invitation.accepted_at = client, timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    link = TrainerLink.objects.filter(trainer=invitation.trainer, client=client, ended_at__isnull=True).first()
    return link or TrainerLink.objects.create(trainer=invitation.trainer, client=client)


def trainer_link_end(*, link: TrainerLink) -> None:
    """The client withdraws consent: the trainer's access ends with this write."""
    if link.ended_at is None:
        link.ended_at = timezone.now()
        link.save(update_fields=["ended_at"])


def access_record(*, trainer: User, client: User, resource: str, path: str) -> None:
    """Write down that `trainer` read `resource` of `client`'s data (the client can see it)."""
    AccessLogEntry.objects.create(trainer=trainer, client=client, resource=resource, path=path[:500])


def access_records(*, trainer: User, client_ids: set[int], resource: str, path: str) -> None:
    """As `access_record`, for a read that showed several clients' data at once (one insert)."""
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(trainer=trainer, client_id=client_id, resource=resource, path=path[:500])
        for client_id in sorted(client_ids)
    )


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, note: str) -> Alert:
    """Mark an alert as seen and handled. Acknowledging again keeps the first acknowledgement."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by, alert.note = timezone.now(), by, note
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "note"])
    return alert


# Programs ------------------------------------------------------------------------


@transaction.atomic
def program_assign(
    *, trainer: User, client: User, sessions_per_week: int, items: list[dict[str, Any]], notes: str = ""
) -> Program:
    """Give the client a new program; the one they followed ends now.

    Each item's dose must lie within the catalog's range for its goal, unless
    the trainer states why it does not (`override_reason`).
    """
    problems: dict[str, list[tuple[str, str]]] = {}
    doses = {(d.exercise_id, d.goal): d for d in Dose.objects.filter(exercise__in=[item["exercise"] for item in items])}
    for index, item in enumerate(items):
        exercise, goal = item["exercise"], item["goal"]
        dose = doses.get((exercise.pk, goal))
        if dose is None:
            problems[f"items[{index}].goal"] = [("goal_not_available", f"'{exercise.slug}' has no dose for '{goal}'.")]
            continue
        if item.get("override_reason", "").strip():
            continue
        for key, low, high in (
            ("holds_per_side", dose.holds_per_side_min, dose.holds_per_side_max),
            ("hold_seconds", dose.hold_seconds_min, dose.hold_seconds_max),
        ):
            if not low <= item[key] <= high:
                problems[f"items[{index}].{key}"] = [
                    ("outside_dose", f"The catalog's range is {low}–{high}; state an override_reason to leave it.")
                ]
    if problems:
        raise InvalidData(problems)
    now = timezone.now()
    Program.objects.filter(client=client, ended_at__isnull=True).update(ended_at=now)
    program = Program.objects.create(client=client, trainer=trainer, sessions_per_week=sessions_per_week, notes=notes)
    ProgramItem.objects.bulk_create(
        ProgramItem(
            program=program,
            position=position,
            exercise=item["exercise"],
            goal=item["goal"],
            holds_per_side=item["holds_per_side"],
            hold_seconds=item["hold_seconds"],
            override_reason=item.get("override_reason", "").strip(),
        )
        for position, item in enumerate(items, 1)
    )
    return program
