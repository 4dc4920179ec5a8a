"""The trainer panel: the needs-attention home, the client and session pages, their signals and costs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.alerts.selectors import client_alerts
from sessions.alerts.summaries import reasons, what_happened
from sessions.models import AccessLogEntry, Alert, User
from sessions.rules.adherence import adherence_dropped
from tests.conftest import bearer_client

from .panel_world import balanced_session, build_panel_world, make_client, upload
from .payloads import session_payload, stop_event

pytestmark = pytest.mark.django_db

HOME = reverse("admin:index")


def client_url(user: User) -> str:
    return reverse("admin:stretch_sessions_user_change", args=[user.pk])


def session_url(session) -> str:
    return reverse("admin:stretch_sessions_stretchsession_change", args=[session.pk])


@pytest.fixture
def world():
    return build_panel_world()


@pytest.fixture
def panel(client, world):
    client.force_login(world.trainer)
    return client


# The domain's words and rules --------------------------------------------------------------


def test_what_happened_names_exercise_side_sign_pain_and_action(world):
    lines = sorted({what_happened(alert) for alert in client_alerts(client=world.ana)})

    assert lines == [
        "Assisted Lying Hamstring Stretch, right side, sharp pain, pain 8/10, continued through it",
    ]


def test_what_happened_of_a_hold_says_the_intensity_went_above_the_cap(world):
    lines = {what_happened(alert) for alert in client_alerts(client=world.ben)}

    assert lines == {"Assisted Lying Hamstring Stretch, right side, intensity 9/10 (above the cap), pain 7/10"}


def test_reasons_make_one_line_per_source_with_every_kind_most_urgent_first(world):
    session = world.ana_session
    alerts = sorted(
        Alert.objects.filter(session=session).select_related("stop_event__stop_sign", "stop_event__hold__exercise"),
        key=lambda a: ["escalation", "stop_event", "high_pain", "above_target"].index(a.kind),
    )

    (reason,) = reasons(alerts)

    assert reason.kinds == ("escalation", "stop_event", "high_pain")


@pytest.mark.parametrize(
    ("last_days_ago", "program_days_ago", "per_week", "expected"),
    [
        (12, 21, 3, 12),  # 3 a week: more than 4.7 days idle is a drop
        (4, 21, 3, None),
        (None, 6, 3, 6),  # never logged: counted from the program's start
        (None, 3, 3, None),
        (30, 5, 3, 5),  # a session before the program does not count against it
        (12, 21, None, None),  # no program, no drop
        (6, 21, 2, None),  # 2 a week: 7 days allowed
        (8, 21, 2, 8),
    ],
)
def test_adherence_drops_after_two_missed_sessions_of_the_program(last_days_ago, program_days_ago, per_week, expected):
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    days = lambda n: None if n is None else now - timedelta(days=n)  # noqa: E731

    dropped = adherence_dropped(
        last_session_at=days(last_days_ago), program_started_at=days(program_days_ago), sessions_per_week=per_week,
        now=now,
    )  # fmt: skip

    assert dropped == expected


# The needs-attention home -------------------------------------------------------------------


def test_home_lists_the_escalation_first_then_stop_event_then_pain_then_dropped_then_the_rest(panel, world):
    home = panel.get(HOME).context["home"]

    assert [entry.client.email for entry in home.alerts] == ["ana@example.com", "cleo@example.com", "ben@example.com"]
    assert home.alerts[0].open_by_kind == [("escalation", 1), ("stop_event", 1), ("high_pain", 1)]
    assert [(entry.client.email, entry.idle_days) for entry in home.dropped] == [("dan@example.com", 12)]
    assert [entry.client.email for entry in home.others] == ["eve@example.com"]


def test_home_shows_the_one_line_reason_a_link_to_the_session_and_red_badges(panel, world):
    html = panel.get(HOME).content.decode()

    assert "right side, sharp pain, pain 8/10, continued through it" in html
    assert session_url(world.ana_session) in html
    assert '<span class="badge badge-red">1 escalation</span>' in html
    assert html.index("ana@example.com") < html.index("cleo@example.com") < html.index("ben@example.com")


def test_acknowledging_from_home_acknowledges_the_sessions_alerts_with_the_note(panel, world):
    url = reverse("admin:attention_acknowledge", args=[world.ana_session.pk])

    response = panel.post(url, {"note": "Called her; rest two days."}, follow=True)

    alerts = Alert.objects.filter(session=world.ana_session)
    assert response.redirect_chain == [(HOME, 302)]
    assert {(a.acknowledged_by_id, a.note) for a in alerts} == {(world.trainer.pk, "Called her; rest two days.")}
    assert [entry.client.email for entry in response.context["home"].alerts] == ["cleo@example.com", "ben@example.com"]


def test_acknowledging_another_trainers_clients_session_is_a_404(client, world, make_user):
    other = make_user("tom@example.com", role="trainer")
    client.force_login(other)

    response = client.post(reverse("admin:attention_acknowledge", args=[world.ana_session.pk]), {"note": ""})

    assert response.status_code == 404
    assert Alert.objects.filter(session=world.ana_session, acknowledged_at__isnull=False).count() == 0


def test_staff_keep_the_admin_index(admin_client, world):
    response = admin_client.get(HOME)

    assert "home" not in response.context
    assert response.context["app_list"]


def test_view_site_leads_to_the_api_docs(panel):
    assert panel.get(HOME).context["site_url"] == reverse("swagger-ui")


# The client page ----------------------------------------------------------------------------


def test_client_page_shows_charts_with_both_sides_the_frozen_reason_and_logs_the_read(panel, world):
    response = panel.get(client_url(world.ben))
    html = response.content.decode()

    assert response.status_code == 200
    assert 'data-series="left" data-points="9"' in html  # two holds a side in four weekly sessions, one in the last
    assert 'data-series="right" data-points="9"' in html
    assert 'data-chart="balance"' in html
    assert "Straight-leg raise over time" in html
    assert 'data-series="target"' in html  # sessions per week against the program
    assert "Frozen: the high pain on assisted-lying-hamstring-stretch (right)" in html
    assert set(AccessLogEntry.objects.filter(client=world.ben).values_list("resource", flat=True)) == {
        "sessions", "alerts", "programs", "progress", "health",
    }  # fmt: skip


def test_client_page_of_another_trainers_client_is_a_404(client, world, make_user):
    client.force_login(make_user("tom@example.com", role="trainer"))

    assert client.get(client_url(world.ana)).status_code == 404


# The session page ---------------------------------------------------------------------------


def test_session_page_pairs_left_and_right_with_the_dose_and_hides_record_metadata(panel, world):
    response = panel.get(session_url(world.ben_session))
    html = response.content.decode()
    (group,) = response.context["review"]["exercises"]

    assert [(left.side, right.side) for left, right in group.rows] == [("left", "right")]
    assert (group.hold_seconds, group.target, group.cap) == ((20, 40), (5, 7), 7)
    assert '<span class="badge badge-red">pain 7/10</span>' in html
    assert world.ben_session.content_hash not in html
    assert "/admin/catalog/exercise/" not in html  # the exercise is plain text: trainers may not open it


def test_session_page_shows_stop_events_in_red_with_sign_and_action(panel, world):
    html = panel.get(session_url(world.ana_session)).content.decode()

    assert 'class="stop-event"' in html
    assert "Sharp pain" in html and "Continued" in html


@pytest.fixture
def roster(make_user):
    """A trainer with `clients` clients, each with a stop event; the first has `sessions` more sessions."""

    def make(*, clients: int, sessions: int = 0, holds: int = 2):
        trainer = make_user("coach@example.com", role="trainer")
        people = [make_client(trainer, f"c{n}@example.com", f"C{n}") for n in range(clients)]
        for person in people:
            body = session_payload(holds=2)
            body["stop_events"] = [stop_event(body["holds"][0]["started_at"], hold_index=0)]
            upload(person, body)
        now = timezone.now()
        for n in range(sessions):
            balanced_session(people[0], now - timedelta(days=n + 1, hours=3), pairs=1)
        last = balanced_session(people[0], now - timedelta(hours=3), pairs=holds // 2)
        return trainer, people[0], last

    return make


@pytest.mark.parametrize("clients", [2, 20])
def test_home_query_count_does_not_grow_with_clients(client, roster, clients, django_assert_max_num_queries):
    trainer, _, _ = roster(clients=clients)
    client.force_login(trainer)

    with django_assert_max_num_queries(8):  # session, user, clients, open sessions, their reasons, messages…
        response = client.get(HOME)

    assert len(response.context["home"].alerts) == clients


@pytest.mark.parametrize("sessions", [5, 50])
def test_client_page_query_count_does_not_grow_with_sessions(client, roster, sessions, django_assert_max_num_queries):
    trainer, person, _ = roster(clients=2, sessions=sessions)
    client.force_login(trainer)

    with django_assert_max_num_queries(30):
        response = client.get(client_url(person))

    assert response.status_code == 200


@pytest.mark.parametrize(("sessions", "holds"), [(5, 4), (50, 40)])
def test_session_page_query_count_does_not_grow(client, roster, sessions, holds, django_assert_max_num_queries):
    trainer, _, last = roster(clients=2, sessions=sessions, holds=holds)
    client.force_login(trainer)

    with django_assert_max_num_queries(12):
        response = client.get(session_url(last))

    assert len(response.context["review"]["exercises"][0].rows) == holds // 2


# Signals ------------------------------------------------------------------------------------


def test_alert_list_shows_open_alerts_by_default_with_what_happened(panel, world):
    Alert.objects.filter(client=world.cleo).update(acknowledged_at=timezone.now())

    response = panel.get(reverse("admin:stretch_sessions_alert_changelist"))
    html = response.content.decode()

    assert {alert.client.email for alert in response.context["cl"].result_list} == {
        "ana@example.com",
        "ben@example.com",
    }
    assert "intensity 9/10 (above the cap), pain 7/10" in html
    everything = panel.get(reverse("admin:stretch_sessions_alert_changelist"), {"acknowledged": "all"})
    assert "cleo@example.com" in {alert.client.email for alert in everything.context["cl"].result_list}


def test_session_list_shows_red_badges_not_boolean_icons(panel, world):
    html = panel.get(reverse("admin:stretch_sessions_stretchsession_changelist")).content.decode()

    assert '<span class="badge badge-red">stop event</span>' in html
    assert "icon-yes.svg" not in html and "icon-no.svg" not in html


def test_times_are_shown_in_the_trainers_own_time_zone(panel, world):
    response = panel.post(reverse("admin:time_zone"), {"time_zone": "Asia/Tokyo"})
    world.trainer.refresh_from_db()

    html = panel.get(session_url(world.ana_session)).content.decode()

    assert response.status_code == 302
    assert world.trainer.time_zone == "Asia/Tokyo"
    tokyo = timezone.localtime(world.ana_session.started_at, world.trainer.zone)
    assert f"{tokyo:%H:%M}" in html.split('id="session-summary"')[1][:300]


def test_an_unknown_time_zone_is_refused(panel, world):
    response = panel.post(reverse("admin:time_zone"), {"time_zone": "Mars/Olympus"})

    world.trainer.refresh_from_db()
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    assert world.trainer.time_zone == ""


def test_a_staff_account_without_catalog_rights_gets_an_explanation_not_a_bare_403(client, staff):
    client.force_login(staff)

    response = client.get(reverse("admin:catalog_exercise_changelist"))

    assert response.status_code == 403
    assert "Catalog editors" in response.content.decode()


# /me/alerts/ --------------------------------------------------------------------------------


def test_me_alerts_lists_my_alerts_with_whether_my_trainer_saw_them(world):
    Alert.objects.filter(session=world.ana_session, kind="escalation").update(acknowledged_at=timezone.now())

    body = bearer_client(world.ana).get("/api/v1/me/alerts/").json()

    rows = {row["kind"]: row for row in body["results"]}
    assert set(rows) == {"escalation", "stop_event", "high_pain"}
    assert (rows["escalation"]["seen_by_trainer"], rows["stop_event"]["seen_by_trainer"]) == (True, False)
    assert rows["stop_event"]["what_happened"].endswith("sharp pain, pain 8/10, continued through it")
    assert rows["stop_event"]["session"] == str(world.ana_session.pk)


def test_me_alerts_shows_nobody_elses(world):
    body = bearer_client(world.eve).get("/api/v1/me/alerts/").json()

    assert body["results"] == []


def test_me_alerts_needs_a_signed_in_user(api_client):
    assert api_client.get("/api/v1/me/alerts/").status_code == 401
