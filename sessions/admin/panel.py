"""The trainer's client page and session page: what they show, from the domain's selectors.

Presentation only: every fact (the freeze and its reason, a dose's target and cap,
high pain, what happened) comes from `sessions.rules`, `catalog.rules` and the
selectors that apply them. Each page costs a fixed number of queries whatever the
number of sessions, and lands in the client's access log.
"""

from __future__ import annotations

from datetime import timedelta

from django.template.response import TemplateResponse
from django.utils import timezone

from sessions import access
from sessions.access import TRAINER, panel_role
from sessions.alerts import selectors as alert_selectors
from sessions.alerts.summaries import what_happened
from sessions.choices import NextStepAction
from sessions.health import selectors as health_selectors
from sessions.models import StretchSession, User
from sessions.programs import selectors as program_selectors
from sessions.progress.selectors import progress_overview, progression_freeze
from sessions.rules.adherence import FOUR_WEEKS_DAYS, adherence, adherence_dropped
from sessions.trainers import selectors as trainer_selectors

from . import charts

RECENT_SESSIONS = 10
PAST_ALERTS = 10
CHART_WEEKS = 26  # the charts' history: half a year
WEEKS_SHOWN = 8  # sessions per week against the program


def _log(request, client_id: int, *resources: str) -> None:
    """The page's reads, in the client's access log (trainers only, as the API does)."""
    if panel_role(request.user) == TRAINER:
        for resource in resources:
            access.log_access(
                trainer=request.user, client_ids=[client_id], resource=resource, path=request.get_full_path()
            )


def _alert_rows(alerts) -> list[dict]:
    return [{"alert": alert, "what": what_happened(alert)} for alert in alerts]


def _side_label(side: str) -> str:
    return {"left": "Left", "right": "Right"}.get(side, "Both sides")


def _exercise_charts(overview: dict) -> list[dict]:
    """Per exercise: held seconds and intensity per side over time, and the left/right balance."""
    result = []
    for item in overview["exercises"]:
        name = item["exercise"].name
        held = [
            (_side_label(s["side"]), s["side"], [(h["date"], h["held_seconds"]) for h in s["holds"]])
            for s in item["sides"]
        ]
        felt = [
            (_side_label(s["side"]), s["side"], [(h["date"], h["intensity"]) for h in s["holds"]])
            for s in item["sides"]
        ]
        balance = item["balance"]
        result.append(
            {
                "name": name,
                "held": charts.line_chart(title=f"{name}: held seconds", unit="s", series=held),
                "intensity": charts.line_chart(title=f"{name}: intensity", unit="/10", series=felt, y_max=10),
                "balance": charts.balance_chart(
                    title=f"{name}: left/right balance (mean of the last holds)",
                    left=balance["left_held_seconds"],
                    right=balance["right_held_seconds"],
                    unit="s",
                )
                if len(item["sides"]) == 2
                else None,
                "difference": balance["held_seconds_difference"],
            }
        )
    return result  # fmt: skip


MEASUREMENT_LABELS = {
    "straight_leg_raise": "Straight-leg raise",
    "active_knee_extension": "Knee extension",
    "sit_and_reach": "Sit-and-reach",
}


def _measurement_charts(overview: dict) -> list:
    """One chart per kind of measurement, a line per side (sit-and-reach has one, for both legs)."""
    kinds: dict[str, list] = {}
    for series in overview["measurements"]:
        side = series["side"] or "both"
        points = [(value["measured_at"], value["value"]) for value in series["values"]]
        kinds.setdefault(series["kind"], []).append((_side_label(side), side, points, series["unit"]))
    return [
        charts.line_chart(
            title=f"{MEASUREMENT_LABELS.get(kind, kind)} over time",
            unit=items[0][3],
            series=[(label, side, points) for label, side, points, _ in items],
        )
        for kind, items in sorted(kinds.items())
    ]


def _program_items(program) -> list[dict]:
    """Each item of the current program with its exercise and next step (`programs.selectors.program_view`)."""
    if program is None:
        return []
    view = program_selectors.program_view(program=program)
    return [
        {"item": item, "view": shown, "action": NextStepAction(shown["next_step"]["action"]).label}
        for item, shown in zip(program.items.all(), view["items"], strict=True)
    ]


def client_page(model_admin, request, client: User) -> TemplateResponse:
    """Who the client is and how they are doing: badges, alerts, program and its next steps (frozen and
    why), shared health flags, charts, recent sessions."""
    now = timezone.now()
    row = trainer_selectors.trainer_clients(trainer=request.user).filter(pk=client.pk).first() or client
    open_alerts = list(alert_selectors.client_alerts(client=client).filter(acknowledged_at__isnull=True))
    past_alerts = list(alert_selectors.client_alerts(client=client).filter(acknowledged_at__isnull=False)[:PAST_ALERTS])
    program = program_selectors.program_current(client=client)
    overview = progress_overview(owner=client, since=now - timedelta(weeks=CHART_WEEKS))
    weeks = trainer_selectors.sessions_per_week(client=client, weeks=WEEKS_SHOWN, zone=request.user.zone, now=now)
    target = getattr(row, "target_sessions_per_week", None)
    adherence_28 = adherence(
        sessions=getattr(row, "sessions_last_28_days", 0), sessions_per_week=target, days=FOUR_WEEKS_DAYS
    )
    idle_days = adherence_dropped(
        last_session_at=getattr(row, "last_session_at", None),
        program_started_at=program.created_at if program else None,
        sessions_per_week=target,
        now=now,
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": client.display_name or client.email,
        "subtitle": None,
        "opts": model_admin.model._meta,
        "client": row,
        "adherence_28": adherence_28,
        "adherence_text": f"28-day adherence {round((adherence_28 or 0) * 100)} % of {target} a week",
        "idle_days": idle_days,
        "idle_text": f"falling behind: {idle_days} days without a session",
        "open_alerts": _alert_rows(open_alerts),
        "past_alerts": _alert_rows(past_alerts),
        "program": program,
        "program_items": _program_items(program),
        "frozen": progression_freeze(client_id=client.pk),
        "health_flags": list(health_selectors.health_flags(client=client)),
        "exercise_charts": _exercise_charts(overview),
        "measurement_charts": _measurement_charts(overview),
        "angles": [{**a, "label": MEASUREMENT_LABELS.get(a["kind"], a["kind"])} for a in overview["angles"]],
        "weekly_chart": charts.bar_chart(title="Sessions per week", unit="sessions", bars=weeks, target=target),
        "sessions": trainer_selectors.recent_sessions(client=client, limit=RECENT_SESSIONS),
        "chart_weeks": CHART_WEEKS,
    }  # fmt: skip
    _log(request, client.pk, "sessions", "alerts", "programs", "progress", "health")
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "stretch_panel/client.html", context)


def session_page(model_admin, request, session: StretchSession) -> TemplateResponse:
    """One session as a trainer reads it: holds by exercise with left and right side by side, the dose's
    target and cap, stop events in red; no record metadata."""
    review = trainer_selectors.session_review(session=session)
    alerts = list(alert_selectors.client_alerts(client=session.owner).filter(session=session))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Session of {session.owner.display_name or session.owner.email}",
        "subtitle": None,
        "opts": model_admin.model._meta,
        "session": session,
        "review": review,
        "alerts": _alert_rows(alerts),
        "open_alerts": sum(1 for alert in alerts if alert.acknowledged_at is None),
    }
    _log(request, session.owner_id, "sessions")
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "stretch_panel/session.html", context)
