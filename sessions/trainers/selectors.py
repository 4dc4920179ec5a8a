"""Reads of the trainer roster: a trainer's clients with their activity, adherence and open alerts."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Avg, Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from catalog.choices import Side

from ..access import consented_client_ids
from ..models import AccessLogEntry, Alert, Hold, Program, ProgramItem, TrainerLink, User
from ..rules.adherence import FOUR_WEEKS_DAYS, WEEK_DAYS


def trainer_clients(*, trainer: User) -> QuerySet[User]:
    """The trainer's clients with activity, adherence to their program, open alerts and the
    left/right balance of their main exercise (the program's first item) — in one query."""
    now = timezone.now()
    live = Q(stretch_sessions__deleted_at__isnull=True)
    week, four_weeks = now - timedelta(days=WEEK_DAYS), now - timedelta(days=FOUR_WEEKS_DAYS)
    current = Program.objects.filter(client=OuterRef("pk"), ended_at__isnull=True)
    first_item = ProgramItem.objects.filter(program__client=OuterRef("pk"), program__ended_at__isnull=True).order_by(
        "position"
    )

    def side_mean(side: str) -> Subquery:
        holds = Hold.objects.filter(
            session__owner=OuterRef("pk"),
            session__deleted_at__isnull=True,
            session__started_at__gte=four_weeks,
            exercise__slug=OuterRef("main_exercise"),
            side=side,
        )
        return Subquery(holds.values("session__owner").annotate(mean=Avg("held_seconds")).values("mean")[:1])

    return (
        User.objects.filter(pk__in=consented_client_ids(trainer))
        .annotate(
            last_session_at=Max("stretch_sessions__started_at", filter=live),
            sessions_last_7_days=Count(
                "stretch_sessions", filter=live & Q(stretch_sessions__started_at__gte=week),
                distinct=True,
            ),
            sessions_last_28_days=Count(
                "stretch_sessions", filter=live & Q(stretch_sessions__started_at__gte=four_weeks),
                distinct=True,
            ),
            target_sessions_per_week=Subquery(current.values("sessions_per_week")[:1]),
            main_exercise=Subquery(first_item.values("exercise__slug")[:1]),
        )
        .annotate(
            open_alerts=Subquery(
                Alert.objects.filter(client=OuterRef("pk"), acknowledged_at__isnull=True)
                .values("client")
                .annotate(n=Count("id"))
                .values("n")[:1]
            ),
            main_left_held_seconds=side_mean(Side.LEFT),
            main_right_held_seconds=side_mean(Side.RIGHT),
        )
        .order_by("email")
    )  # fmt: skip


def trainer_client(*, trainer: User, client_id: int) -> User | None:
    return User.objects.filter(pk=client_id, pk__in=consented_client_ids(trainer)).first()


def my_trainers(*, client: User) -> QuerySet[TrainerLink]:
    """The client's active consent links, with their trainers."""
    return TrainerLink.objects.filter(client=client, ended_at__isnull=True).select_related("trainer")


def access_log(*, client: User) -> QuerySet[AccessLogEntry]:
    """Who read the client's data, and when."""
    return AccessLogEntry.objects.filter(client=client).select_related("trainer")
