"""Reads of safety alerts: the trainer's feed, reason by reason or grouped per session."""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import Count, F, Max, Min, Prefetch, Q, QuerySet

from stretchapi.compiled import CompiledQuery

from ..access import consented_client_ids
from ..choices import STOP_KIND_OTHER
from ..logbook.selectors import holds_with_exercise_slug, without_exercise_json
from ..models import Alert, StopEvent, StretchSession, User
from ..rules.safety import urgency_kind, urgency_rank
from .rules import HoldFacts, StopEventFacts


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


# The feed's list as rows (`trainer_alert_rows`, `alert_rows_with_sources`): building an alert, its
# client, hold and stop event as model instances cost more CPU than their queries.
ALERT_COLUMNS = (
    "id", "kind", "client_id", "client__email", "client__display_name", "session_id", "occurred_at", "created_at",
    "acknowledged_at", "acknowledged_by_id", "acknowledged_by__email", "acknowledged_by__display_name", "note",
)  # fmt: skip
_HOLD = ("exercise__slug", "side", "intensity", "pain")
_STOP_EVENT = ("stop_sign__slug", "side", "pain", "hold_id")
SOURCE_COLUMNS = (
    "id", "hold_id", *(f"hold__{c}" for c in _HOLD), "stop_event_id", *(f"stop_event__{c}" for c in _STOP_EVENT),
    *(f"stop_event__hold__{c}" for c in _HOLD),
)  # fmt: skip


def trainer_alert_rows(*, trainer: User) -> QuerySet[dict[str, Any]]:
    """`trainer_alerts` as rows of `ALERT_COLUMNS` (the client and who acknowledged joined in),
    without what each points at (`alert_rows_with_sources` adds it to a page): one query."""
    return (
        Alert.objects.filter(client__in=consented_client_ids(trainer))
        .values(*ALERT_COLUMNS)
        .order_by("-occurred_at", "-id")
    )


def _hold_facts(row: dict[str, Any], prefix: str) -> HoldFacts:
    return HoldFacts(*(row[prefix + column] for column in _HOLD))


@functools.cache
def _page_sources(alerts: int) -> CompiledQuery:
    """What the alerts of a page of `alerts` point at: its SQL compiled once per page length."""

    def build(**ids: int) -> QuerySet:
        return Alert.objects.filter(pk__in=list(ids.values())).values_list(*SOURCE_COLUMNS)

    return CompiledQuery(build, **{f"a{n}": -7_001 - n for n in range(alerts)})


def alert_rows_with_sources(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`alerts` (rows of `trainer_alert_rows`), each given its `hold` (`HoldFacts`) and `stop_event`
    (`StopEventFacts`), None where the alert has none, for `rules.alert_source`: one query for the
    page's alerts whatever their number (none for an empty page). The sources are joined by the
    alerts' keys here rather than in `trainer_alert_rows`, where they would be joined for every
    alert of every client before the newest are picked (on the benchmark's data, PostgreSQL then
    took 88 ms for the one query, against 1-3 ms each for these two)."""
    if not alerts:
        return alerts
    ids = {f"a{n}": row["id"] for n, row in enumerate(alerts)}
    by_id = {row[0]: dict(zip(SOURCE_COLUMNS, row, strict=True)) for row in _page_sources(len(ids)).rows(**ids)}
    for row in alerts:
        source = by_id[row["id"]]
        row["hold"] = _hold_facts(source, "hold__") if source["hold_id"] is not None else None
        row["stop_event"] = None
        if source["stop_event_id"] is not None:
            row["stop_event"] = StopEventFacts(
                source["stop_event__stop_sign__slug"] or STOP_KIND_OTHER,
                source["stop_event__side"],
                source["stop_event__pain"],
                _hold_facts(source, "stop_event__hold__") if source["stop_event__hold_id"] is not None else None,
            )
    return alerts


def trainer_alert_groups(*, trainer: User) -> QuerySet[StretchSession]:
    """The safety feed of the trainer's clients, one entry per session that raised alerts.

    Each session (its owner is the client: a session's alerts are its owner's) carries
    `most_urgent` (the most urgent kind of all its reasons), `latest_reason_at`, `reasons_open`
    (unacknowledged reasons) and `open_urgency_rank` (the `URGENCY` place of its most urgent
    open reason; None when all are acknowledged), and its reasons as `alerts`, most urgent
    first, then newest first. Ordered by that most urgent open reason, fully acknowledged
    sessions after the open ones, then newest reason first. Two queries whatever the length:
    the sessions with their aggregates, and the page's reasons with what they point at.
    """
    reasons = without_exercise_json(
        Alert.objects.select_related("hold__exercise", "stop_event__stop_sign", "stop_event__hold__exercise"),
        "hold__exercise",
        "stop_event__hold__exercise",
    ).order_by(urgency_rank(), "-occurred_at", "-id")
    rank = urgency_rank("alerts__kind")
    open_reason = Q(alerts__acknowledged_at__isnull=True)
    return (
        StretchSession.objects.filter(owner__in=consented_client_ids(trainer), alerts__isnull=False)
        .annotate(
            most_urgent_rank=Min(rank),
            open_urgency_rank=Min(rank, filter=open_reason),
            latest_reason_at=Max("alerts__occurred_at"),
            reasons_open=Count("alerts", filter=open_reason),
        )
        .annotate(most_urgent=urgency_kind("most_urgent_rank"))
        .select_related("owner")
        .prefetch_related(Prefetch("alerts", queryset=reasons))
        .order_by(F("open_urgency_rank").asc(nulls_last=True), "-latest_reason_at", "-id")
    )


def client_alerts(*, client: User) -> QuerySet[Alert]:
    """One client's alerts, newest first, with what each points at (for `summaries.what_happened`)."""
    return without_exercise_json(
        Alert.objects.filter(client=client).select_related(
            "hold__exercise", "stop_event__stop_sign", "stop_event__hold__exercise"
        ),
        "hold__exercise",
        "stop_event__hold__exercise",
    ).order_by("-occurred_at", "-id")


def trainer_open_alert_groups(*, trainer: User) -> QuerySet[StretchSession]:
    """`trainer_alert_groups` with at least one unacknowledged reason: the most urgent first."""
    return trainer_alert_groups(trainer=trainer).filter(reasons_open__gt=0)
