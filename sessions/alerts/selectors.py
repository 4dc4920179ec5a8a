"""Reads of safety alerts: the trainer's feed."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from ..access import consented_client_ids
from ..logbook.selectors import holds_with_exercise_slug, without_exercise_json
from ..models import Alert, StopEvent, User


def trainer_alerts(*, trainer: User) -> QuerySet[Alert]:
    """The safety feed of the trainer's clients, newest first."""
    # The holds and stop events come in queries of their own, for the page's alerts only: joined
    # in, they would be joined for every alert of every client before the newest are picked.
    holds = holds_with_exercise_slug()
    stop_events = StopEvent.objects.select_related("stop_sign", "hold__exercise")
    return (
        Alert.objects.filter(client__in=consented_client_ids(trainer))
        .select_related("client", "acknowledged_by")
        .prefetch_related(
            Prefetch("hold", queryset=holds),
            Prefetch("stop_event", queryset=without_exercise_json(stop_events, "hold__exercise")),
        )
        .order_by("-occurred_at", "-id")
    )
