"""Reads of the trainer roster: a trainer's clients with their activity, adherence and open alerts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from itertools import zip_longest
from typing import Any

from django.db.models import Avg, Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Now
from django.utils import timezone

from catalog.choices import Laterality, Side
from catalog.rules import intensity_ceiling, target_intensity
from stretchapi.compiled import CompiledQuery

from ..access import consented_client_ids, reads_every_client
from ..alerts.selectors import trainer_open_alert_groups
from ..alerts.summaries import stop_event_summary
from ..choices import Role
from ..logbook.selectors import without_exercise_json
from ..models import AccessLogEntry, Alert, Hold, Program, ProgramItem, StopEvent, StretchSession, TrainerLink, User
from ..rules.adherence import FOUR_WEEKS_DAYS, WEEK_DAYS, adherence_dropped
from ..rules.safety import URGENCY, dose_for, is_high_pain

# The columns of `trainer_client_rows`: a client's identity and `trainer_clients`' annotations.
TRAINER_CLIENT_COLUMNS = (
    "id", "email", "display_name", "last_session_at", "sessions_last_7_days", "sessions_last_28_days",
    "target_sessions_per_week", "main_exercise", "open_alerts",
)  # fmt: skip


@cache
def _users_with_activity() -> QuerySet[User]:
    """Every user with the columns of a trainer's client list, built once and filtered per trainer:
    resolving these annotations cost as much CPU as the rest of a client-list request. The windows
    are counted back from the database's clock (`Now()`), so the query does not change between calls.
    One to-many join (the sessions), the rest subqueries: the counts need no DISTINCT."""
    live = Q(stretch_sessions__deleted_at__isnull=True)

    def started_within(days: int) -> Q:
        return live & Q(stretch_sessions__started_at__gte=Now() - timedelta(days=days))

    current_program = Program.objects.filter(client=OuterRef("pk"), ended_at__isnull=True).order_by()  # one at most
    first_item = ProgramItem.objects.filter(program__client=OuterRef("pk"), program__ended_at__isnull=True)
    open_alerts = Alert.objects.filter(client=OuterRef("pk"), acknowledged_at__isnull=True)
    return User.objects.annotate(
        last_session_at=Max("stretch_sessions__started_at", filter=live),
        sessions_last_7_days=Count("stretch_sessions", filter=started_within(WEEK_DAYS)),
        sessions_last_28_days=Count("stretch_sessions", filter=started_within(FOUR_WEEKS_DAYS)),
        target_sessions_per_week=Subquery(current_program.values("sessions_per_week")[:1]),
        main_exercise=Subquery(first_item.order_by("position").values("exercise__slug")[:1]),
        open_alerts=Subquery(open_alerts.values("client").annotate(n=Count("id")).values("n")[:1]),
    ).order_by("email")


def trainer_clients(*, trainer: User) -> QuerySet[User]:
    """The trainer's clients with activity (sessions in the last 7 and 28 days), adherence to their
    program, open alerts and their main exercise (the program's first item) — in one query. The
    left/right balance of the main exercise is `main_exercise_balances`."""
    return _users_with_activity().filter(pk__in=consented_client_ids(trainer))


@cache
def _client_rows_of(every_client: bool) -> CompiledQuery:
    """`trainer_client_rows`' query, compiled once: for a trainer (their id a parameter), or for
    staff, who read every client (no parameter). Compiling the annotated query cost a client list
    more CPU than the database spent answering it."""

    def build(**trainer: int) -> QuerySet:
        reader = User(pk=trainer.get("trainer_id"), role=Role.STAFF if every_client else Role.TRAINER)
        rows = _users_with_activity().filter(pk__in=consented_client_ids(reader))
        return rows.values_list(*TRAINER_CLIENT_COLUMNS)

    return CompiledQuery(build) if every_client else CompiledQuery(build, trainer_id=-7_001)


def trainer_client_rows(*, trainer: User) -> list[dict[str, Any]]:
    """`trainer_clients` as rows of `TRAINER_CLIENT_COLUMNS`: one query."""
    every_client = reads_every_client(trainer)
    rows = _client_rows_of(every_client).rows(**({} if every_client else {"trainer_id": trainer.pk}))
    return [dict(zip(TRAINER_CLIENT_COLUMNS, row, strict=True)) for row in rows]


def main_exercise_balances(
    main_exercises: dict[int, str], *, now: datetime | None = None
) -> dict[int, dict[str, float | None]]:
    """The mean held seconds of each side over 28 days of each client's main exercise
    (`main_exercises`: client id → exercise slug, from `trainer_clients`), as `left` and `right`
    (None for a side without a hold): one query, none when no client has a main exercise."""
    if not main_exercises:
        return {}
    four_weeks = (now or timezone.now()) - timedelta(days=FOUR_WEEKS_DAYS)
    means = (
        Hold.objects.filter(
            session__owner_id__in=list(main_exercises),
            session__deleted_at__isnull=True,
            session__started_at__gte=four_weeks,
            exercise__slug__in=set(main_exercises.values()),
            side__in=(Side.LEFT, Side.RIGHT),
        )
        .values_list("session__owner_id", "exercise__slug", "side")
        .annotate(mean=Avg("held_seconds"))
        .order_by()
    )
    balances = {client: {Side.LEFT: None, Side.RIGHT: None} for client in main_exercises}
    for client, slug, side, mean in means:
        if main_exercises[client] == slug:
            balances[client][side] = mean
    return {client: {"left": sides[Side.LEFT], "right": sides[Side.RIGHT]} for client, sides in balances.items()}


def trainer_client(*, trainer: User, client_id: int) -> User | None:
    return User.objects.filter(pk=client_id, pk__in=consented_client_ids(trainer)).first()


def my_trainers(*, client: User) -> QuerySet[TrainerLink]:
    """The client's active consent links, with their trainers."""
    return TrainerLink.objects.filter(client=client, ended_at__isnull=True).select_related("trainer")


def access_log(*, client: User) -> QuerySet[AccessLogEntry]:
    """Who read the client's data, and when."""
    return AccessLogEntry.objects.filter(client=client).select_related("trainer")


@dataclass
class Attention:
    """One client on the trainer's "needs attention" home: their row of `trainer_clients`, the
    sessions with unacknowledged alerts (most urgent first, each with its `alerts`), the count of
    open reasons per kind (most urgent kind first), and the days without a session when their
    adherence dropped (`rules.adherence.adherence_dropped`)."""

    client: User
    open_sessions: list[StretchSession] = field(default_factory=list)
    open_by_kind: list[tuple[str, int]] = field(default_factory=list)
    idle_days: int | None = None


@dataclass
class AttentionHome:
    """Who needs the trainer now: clients with open safety alerts (the most urgent open reason first),
    then clients whose adherence dropped (the longest idle first), then everyone else (by email)."""

    alerts: list[Attention]
    dropped: list[Attention]
    others: list[Attention]


def trainer_attention(*, trainer: User, now: datetime | None = None) -> AttentionHome:
    """The trainer's home, in three queries whatever the number of clients and sessions: the clients
    (`trainer_clients`, with their program's start), the sessions with open alerts, and their reasons."""
    now = now or timezone.now()
    started = Program.objects.filter(client=OuterRef("pk"), ended_at__isnull=True).values("created_at")[:1]
    clients = {
        client.pk: Attention(client=client)
        for client in trainer_clients(trainer=trainer).annotate(program_started_at=Subquery(started))
    }
    urgent: list[Attention] = []
    for session in trainer_open_alert_groups(trainer=trainer):
        entry = clients.get(session.owner_id)
        if entry is None:  # a consent ended between the two queries
            continue
        if not entry.open_sessions:
            urgent.append(entry)
        entry.open_sessions.append(session)
    for entry in urgent:
        kinds = Counter(
            alert.kind for session in entry.open_sessions for alert in session.alerts.all() if not alert.acknowledged_at
        )
        entry.open_by_kind = [(kind, kinds[kind]) for kind in URGENCY if kinds[kind]]
    dropped, others = [], []
    for entry in clients.values():
        client = entry.client
        entry.idle_days = adherence_dropped(
            last_session_at=client.last_session_at,
            program_started_at=client.program_started_at,
            sessions_per_week=client.target_sessions_per_week,
            now=now,
        )
        if entry.open_sessions:
            continue
        (dropped if entry.idle_days is not None else others).append(entry)
    dropped.sort(key=lambda entry: (-entry.idle_days, entry.client.email))
    return AttentionHome(alerts=urgent, dropped=dropped, others=others)


def sessions_per_week(*, client: User, weeks: int, zone: tzinfo, now: datetime) -> list[tuple[date, int]]:
    """The client's sessions in each of the last `weeks` weeks (Monday to Sunday in `zone`), oldest
    first, the current week last: one query."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    counts = Counter(
        (start.astimezone(zone).date() - timedelta(days=start.astimezone(zone).weekday()))
        for start in StretchSession.objects.filter(
            owner=client, deleted_at__isnull=True, started_at__gte=datetime.combine(first, time(), tzinfo=zone)
        ).values_list("started_at", flat=True)
    )
    return [(week, counts[week]) for week in (first + timedelta(weeks=n) for n in range(weeks))]


def recent_sessions(*, client: User, limit: int) -> list[StretchSession]:
    """The client's latest sessions (not the deleted ones), newest first, with their flags."""
    return list(StretchSession.objects.filter(owner=client, deleted_at__isnull=True).order_by("-started_at")[:limit])


@dataclass
class ExerciseHolds:
    """A session's holds of one exercise, left and right side by side (`rows` of (left, right) holds,
    either None when one side has fewer; a both-sides exercise has its holds on the left), with the
    dose of the session's goal: its hold seconds, the target intensity window and the cap."""

    exercise: Any
    per_side: bool
    rows: list[tuple[Hold | None, Hold | None]]
    hold_seconds: tuple[int, int] | None
    target: tuple[int, int]
    cap: int


def session_review(*, session: StretchSession) -> dict[str, Any]:
    """What a trainer reads of one session: its holds grouped by exercise (in the order first done),
    left and right paired, each hold carrying `high_pain`; its stop events, each with `summary`.
    Three queries: the holds with their exercises, the exercises' doses, the stop events."""
    holds = list(
        without_exercise_json(
            Hold.objects.filter(session=session).select_related("exercise").prefetch_related("exercise__doses"),
            "exercise",
        ).order_by("position")
    )
    by_exercise: dict[int, list[Hold]] = {}
    for hold in holds:
        hold.high_pain = is_high_pain(hold.pain)
        by_exercise.setdefault(hold.exercise_id, []).append(hold)
    groups = []
    for rows in by_exercise.values():
        exercise = rows[0].exercise
        dose = dose_for(exercise, session.goal)
        per_side = exercise.laterality == Laterality.PER_SIDE
        if per_side:
            left = [h for h in rows if h.side == Side.LEFT]
            right = [h for h in rows if h.side == Side.RIGHT]
            pairs = list(zip_longest(left, right))
        else:
            pairs = [(hold, None) for hold in rows]
        groups.append(
            ExerciseHolds(
                exercise=exercise,
                per_side=per_side,
                rows=pairs,
                hold_seconds=(dose.hold_seconds_min, dose.hold_seconds_max) if dose else None,
                target=target_intensity(exercise, dose),
                cap=intensity_ceiling(exercise, dose),
            )
        )
    events = list(
        without_exercise_json(
            StopEvent.objects.filter(session=session).select_related("stop_sign", "hold__exercise"), "hold__exercise"
        ).order_by("occurred_at")
    )
    for event in events:
        event.summary = stop_event_summary(event)
        event.high_pain = is_high_pain(event.pain)
    return {"exercises": groups, "stop_events": events}
