"""The admin as the trainer's panel: a trainer sees their consented clients, those clients'
sessions and alerts, and nothing else; staff see everything."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from catalog.models import Exercise
from sessions.alerts.services import alert_acknowledge
from sessions.logbook.services import session_delete
from sessions.models import AccessLogEntry, Alert, Program, StretchSession, User
from sessions.programs.services import program_assign
from sessions.trainers.services import invitation_accept, invitation_create, trainer_link_end
from tests.conftest import bearer_client
from tests.sessions.payloads import session_payload, stop_event

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-Passphrase-42"
CLIENT_A = "client-a@example.com"
CLIENT_B = "client-b@example.com"


def consent(trainer: User, client: User):
    invitation = invitation_create(trainer=trainer)
    return invitation_accept(client=client, code=invitation.code)


def upload_session(client: User, *, stop_events: int = 1) -> StretchSession:
    """A session with three holds, a measurement and `stop_events` stop events (one alert each)."""
    body = session_payload(holds=3)
    body["stop_events"] = [stop_event(body["holds"][0]["started_at"], hold_index=0) for _ in range(stop_events)]
    response = bearer_client(client).post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 201, response.content
    return StretchSession.objects.get(pk=body["id"])


def assign_program(trainer: User, client: User) -> Program:
    """Two items at the catalog's starting dose, the second overridden with a reason."""
    hamstring, calf = (
        Exercise.objects.get(slug="assisted-lying-hamstring-stretch"),
        Exercise.objects.get(slug="leg-swings"),
    )
    return program_assign(
        trainer=trainer,
        client=client,
        sessions_per_week=3,
        items=[
            {"exercise": hamstring, "goal": "general_flexibility", "holds_per_side": 2, "hold_seconds": 20},
            {"exercise": calf, "goal": "mobility_warm_up", "holds_per_side": 1, "hold_seconds": 5,
             "override_reason": "Short swings while the knee settles."},
        ],
    )  # fmt: skip


def panel(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def shown(response) -> list:
    return list(response.context["cl"].result_list)


def client_of(row) -> int:
    """The id of the client a changelist row belongs to."""
    return row.pk if isinstance(row, User) else getattr(row, "owner_id", None) or row.client_id


@pytest.fixture
def world(make_user):
    """Two trainers, each with one consented client who logged a session with a stop event."""
    trainer_a = make_user("trainer-a@example.com", role="trainer")
    trainer_b = make_user("trainer-b@example.com", role="trainer")
    client_a, client_b = make_user(CLIENT_A), make_user(CLIENT_B)
    link_a = consent(trainer_a, client_a)
    consent(trainer_b, client_b)
    session_a, session_b = upload_session(client_a), upload_session(client_b)
    return SimpleNamespace(
        program_a=assign_program(trainer_a, client_a),
        program_b=assign_program(trainer_b, client_b),
        trainer_a=trainer_a,
        trainer_b=trainer_b,
        client_a=client_a,
        client_b=client_b,
        link_a=link_a,
        session_a=session_a,
        session_b=session_b,
        alert_a=Alert.objects.get(client=client_a),
        alert_b=Alert.objects.get(client=client_b),
    )


@pytest.fixture
def as_trainer_a(world) -> Client:
    return panel(world.trainer_a)


def change_url(model: str, pk) -> str:
    return reverse(f"admin:stretch_sessions_{model}_change", args=[pk])


CHANGELISTS = {
    "user": reverse("admin:stretch_sessions_user_changelist"),
    "stretchsession": reverse("admin:stretch_sessions_stretchsession_changelist"),
    "alert": reverse("admin:stretch_sessions_alert_changelist"),
    "program": reverse("admin:stretch_sessions_program_changelist"),
}


# Signing in ----------------------------------------------------------------------------------


def test_a_trainer_account_is_staff_but_not_superuser(make_user):
    trainer = make_user("coach@example.com", role="trainer")

    assert (trainer.is_staff, trainer.is_superuser) == (True, False)


@pytest.mark.parametrize(("role", "expected"), [("client", (200, 302)), ("trainer", (302, 200)), ("staff", (302, 200))])
def test_trainers_and_staff_sign_in_to_the_admin_and_clients_do_not(make_user, role, expected):
    make_user(f"{role}@example.com", role=role)
    browser = Client()

    login = browser.post(reverse("admin:login"), {"username": f"{role}@example.com", "password": PASSWORD})
    index = browser.get(reverse("admin:index"))

    assert (login.status_code, index.status_code) == expected


def test_a_trainers_admin_index_offers_clients_sessions_alerts_and_programs_only(as_trainer_a):
    response = as_trainer_a.get(reverse("admin:index"))

    apps = {app["app_label"]: {m["object_name"] for m in app["models"]} for app in response.context["available_apps"]}
    assert response.status_code == 200
    assert apps == {"stretch_sessions": {"User", "StretchSession", "Alert", "Program"}}


def test_a_trainer_with_django_permissions_still_does_not_reach_other_models(world):
    world.trainer_a.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_devicetoken", "view_trainerlink", "change_user"])
    )
    browser = panel(User.objects.get(pk=world.trainer_a.pk))

    tokens = browser.get(reverse("admin:stretch_sessions_devicetoken_changelist"))
    links = browser.get(reverse("admin:stretch_sessions_trainerlink_changelist"))
    others = browser.get(change_url("user", world.client_b.pk))

    assert (tokens.status_code, links.status_code, others.status_code) == (403, 403, 404)


# What a trainer sees ---------------------------------------------------------------------------


def test_a_trainers_client_list_holds_only_their_consented_clients_with_their_activity(world, as_trainer_a):
    response = as_trainer_a.get(CHANGELISTS["user"])

    clients = shown(response)
    assert response.status_code == 200
    assert response.context["title"] == "Your clients"
    assert [(u.email, u.sessions_last_7_days, u.open_alerts) for u in clients] == [(CLIENT_A, 1, 1)]
    assert CLIENT_B not in response.content.decode()


def test_a_trainers_session_list_holds_only_their_clients_sessions(world, as_trainer_a):
    response = as_trainer_a.get(CHANGELISTS["stretchsession"])

    assert response.status_code == 200
    assert [s.pk for s in shown(response)] == [world.session_a.pk]
    assert CLIENT_B not in response.content.decode()


def test_a_trainers_session_list_leaves_out_deleted_sessions(world, as_trainer_a):
    session_delete(session=world.session_a, if_match="*")

    response = as_trainer_a.get(CHANGELISTS["stretchsession"])

    assert shown(response) == []


def test_a_trainers_alert_list_holds_only_their_clients_alerts(world, as_trainer_a):
    response = as_trainer_a.get(CHANGELISTS["alert"])

    assert response.status_code == 200
    assert [a.pk for a in shown(response)] == [world.alert_a.pk]
    assert CLIENT_B not in response.content.decode()


@pytest.mark.parametrize("model", list(CHANGELISTS))
@pytest.mark.parametrize("term", ["client-b", "example.com"])
def test_searching_finds_nothing_of_another_trainers_client(world, as_trainer_a, model, term):
    response = as_trainer_a.get(CHANGELISTS[model], {"q": term})

    assert response.status_code == 200
    assert CLIENT_B not in response.content.decode()
    assert {client_of(row) for row in shown(response)} <= {world.client_a.pk}


def test_autocomplete_offers_only_the_trainers_clients(world, as_trainer_a):
    response = as_trainer_a.get(
        reverse("admin:autocomplete"),
        {"app_label": "stretch_sessions", "model_name": "stretchsession", "field_name": "owner", "term": "example"},
    )

    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(world.client_a.pk), "text": CLIENT_A}]


def test_a_clients_page_shows_the_trainer_the_client_page_and_no_account_form(world, as_trainer_a):
    response = as_trainer_a.get(change_url("user", world.client_a.pk))

    assert response.status_code == 200
    assert response.templates[0].name == "stretch_panel/client.html"
    assert "adminform" not in response.context
    assert response.context["client"].email == world.client_a.email


def test_a_clients_page_says_why_progression_is_frozen_as_the_api_does(world, as_trainer_a):
    from tests.conftest import bearer_client

    api_step = (
        bearer_client(world.client_a)
        .get("/api/v1/progress/", {"exercise": "assisted-lying-hamstring-stretch"})
        .json()["next_step"]
    )

    page = as_trainer_a.get(change_url("user", world.client_a.pk)).content.decode()

    assert api_step["action"] == "frozen"
    assert escape(api_step["reason"]) in page


def test_a_clients_session_page_shows_the_trainer_its_rows_read_only(world, as_trainer_a):
    response = as_trainer_a.get(change_url("stretchsession", world.session_a.pk))

    review = response.context["review"]
    assert response.status_code == 200
    assert [sum(1 for pair in row for hold in pair if hold) for row in (g.rows for g in review["exercises"])] == [3]
    assert len(review["stop_events"]) == 1
    assert "adminform" not in response.context


def test_a_trainer_cannot_change_a_clients_session(world, as_trainer_a):
    response = as_trainer_a.post(
        change_url("stretchsession", world.session_a.pk), {"notes": "Edited by the trainer.", "outcome": "completed"}
    )

    world.session_a.refresh_from_db()
    assert response.status_code == 403
    assert (world.session_a.notes, world.session_a.version) == ("", 1)


# What a trainer does not see --------------------------------------------------------------------

OTHERS_URLS = {
    "another trainer's client": lambda w: change_url("user", w.client_b.pk),
    "another trainer's client's password page": lambda w: reverse(
        "admin:auth_user_password_change", args=[w.client_b.pk]
    ),
    "another trainer's client's history": lambda w: reverse(
        "admin:stretch_sessions_user_history", args=[w.client_b.pk]
    ),
    "another trainer": lambda w: change_url("user", w.trainer_b.pk),
    "the trainer's own account": lambda w: change_url("user", w.trainer_a.pk),
    "another trainer's client's session": lambda w: change_url("stretchsession", w.session_b.pk),
    "another trainer's client's session history": lambda w: reverse(
        "admin:stretch_sessions_stretchsession_history", args=[w.session_b.pk]
    ),
    "another trainer's client's alert": lambda w: change_url("alert", w.alert_b.pk),
    "a session that does not exist": lambda w: change_url("stretchsession", "7b0d0cc5-3c9e-4a51-9c36-0d35a0f4f7b2"),
}


@pytest.mark.parametrize("page", list(OTHERS_URLS))
def test_pages_outside_the_trainers_clients_answer_404_and_show_nothing(world, as_trainer_a, page):
    response = as_trainer_a.get(OTHERS_URLS[page](world))

    assert response.status_code == 404
    assert CLIENT_B not in response.content.decode()
    assert "trainer-b@example.com" not in response.content.decode()


def test_posting_to_another_trainers_clients_alert_answers_404_and_changes_nothing(world, as_trainer_a):
    response = as_trainer_a.post(change_url("alert", world.alert_b.pk), {"note": "Not mine."})

    world.alert_b.refresh_from_db()
    assert response.status_code == 404
    assert (world.alert_b.acknowledged_at, world.alert_b.note) == (None, "")


NOT_FOR_TRAINERS = [
    "admin:stretch_sessions_devicetoken_changelist",
    "admin:stretch_sessions_trainerlink_changelist",
    "admin:stretch_sessions_trainerinvitation_changelist",
    "admin:stretch_sessions_accesslogentry_changelist",
    "admin:stretch_sessions_user_add",
    "admin:stretch_sessions_stretchsession_add",
    "admin:stretch_sessions_alert_add",
    "admin:catalog_exercise_changelist",
    "admin:catalog_exercise_add",
    "admin:catalog_muscle_changelist",
]


@pytest.mark.parametrize("url_name", NOT_FOR_TRAINERS)
def test_models_and_pages_not_meant_for_trainers_answer_403(as_trainer_a, url_name):
    response = as_trainer_a.get(reverse(url_name))

    assert response.status_code == 403


def test_the_catalog_app_page_does_not_exist_for_a_trainer(as_trainer_a):
    response = as_trainer_a.get(reverse("admin:app_list", args=["catalog"]))

    assert response.status_code == 404


def test_the_sessions_app_page_lists_only_the_trainers_models(as_trainer_a):
    response = as_trainer_a.get(reverse("admin:app_list", args=["stretch_sessions"]))

    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert models == {"User", "StretchSession", "Alert", "Program"}


def test_after_the_client_ends_the_link_the_trainer_sees_nothing_of_them(world, as_trainer_a):
    trainer_link_end(link=world.link_a)

    lists = {model: shown(as_trainer_a.get(url)) for model, url in CHANGELISTS.items()}
    pages = [
        as_trainer_a.get(change_url("user", world.client_a.pk)).status_code,
        as_trainer_a.get(change_url("stretchsession", world.session_a.pk)).status_code,
        as_trainer_a.get(change_url("alert", world.alert_a.pk)).status_code,
        as_trainer_a.get(change_url("program", world.program_a.pk)).status_code,
    ]

    assert lists == {"user": [], "stretchsession": [], "alert": [], "program": []}
    assert pages == [404, 404, 404, 404]


# Acknowledging alerts ----------------------------------------------------------------------------


def test_the_acknowledge_action_acknowledges_only_the_trainers_clients_alerts(world, as_trainer_a):
    response = as_trainer_a.post(
        CHANGELISTS["alert"],
        {"action": "acknowledge_alerts", "_selected_action": [world.alert_a.pk, world.alert_b.pk]},
        follow=True,
    )

    world.alert_a.refresh_from_db()
    world.alert_b.refresh_from_db()
    assert [str(m) for m in response.context["messages"]] == ["Acknowledged 1 alert."]
    assert world.alert_a.acknowledged_by == world.trainer_a
    assert world.alert_a.acknowledged_at is not None
    assert (world.alert_b.acknowledged_at, world.alert_b.acknowledged_by) == (None, None)


def test_the_alert_list_filters_by_kind_and_acknowledgement(world, as_trainer_a):
    alert_acknowledge(alert=world.alert_a, by=world.trainer_a, note="")

    acknowledged = as_trainer_a.get(CHANGELISTS["alert"], {"acknowledged": "yes", "kind__exact": "stop_event"})
    open_ = as_trainer_a.get(CHANGELISTS["alert"], {"acknowledged": "no"})
    other_kind = as_trainer_a.get(CHANGELISTS["alert"], {"kind__exact": "high_pain"})

    assert [a.pk for a in shown(acknowledged)] == [world.alert_a.pk]
    assert shown(open_) == []
    assert shown(other_kind) == []


def test_the_alert_page_offers_a_note_and_saving_it_acknowledges_the_alert(world, as_trainer_a):
    url = change_url("alert", world.alert_a.pk)

    page = as_trainer_a.get(url)
    saved = as_trainer_a.post(url, {"note": "Called her: an old strain, she rests two days."})

    world.alert_a.refresh_from_db()
    assert list(page.context["adminform"].form.fields) == ["note"]
    assert "left side, sharp pain, pain 6/10, eased off" in page.content.decode()
    assert saved.status_code == 302
    assert world.alert_a.acknowledged_by == world.trainer_a
    assert world.alert_a.note == "Called her: an old strain, she rests two days."


def test_an_acknowledged_alert_is_read_only_and_keeps_the_first_acknowledgement(world, as_trainer_a):
    alert_acknowledge(alert=world.alert_a, by=world.trainer_a, note="Seen.")
    url = change_url("alert", world.alert_a.pk)

    page = as_trainer_a.get(url)
    again = as_trainer_a.post(url, {"note": "Changed my mind."})

    world.alert_a.refresh_from_db()
    assert page.context["has_change_permission"] is False
    assert again.status_code == 403
    assert world.alert_a.note == "Seen."


def test_alerts_cannot_be_deleted_in_the_admin(world, admin_client):
    response = admin_client.post(
        reverse("admin:stretch_sessions_alert_delete", args=[world.alert_a.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Alert.objects.filter(pk=world.alert_a.pk).exists()


@pytest.mark.parametrize("alerts", [2, 10])
def test_the_alert_list_costs_the_same_queries_whatever_its_length(make_user, django_assert_num_queries, alerts):
    trainer, client = make_user("trainer-a@example.com", role="trainer"), make_user(CLIENT_A)
    consent(trainer, client)
    upload_session(client, stop_events=alerts)
    browser = panel(trainer)

    # session, user, the trainer's (empty) permissions and group permissions (asked whether the
    # catalog belongs in the sidebar), the count, the page of alerts, the access log
    with django_assert_num_queries(7):
        response = browser.get(CHANGELISTS["alert"])

    assert len(shown(response)) == alerts


def test_a_trainers_program_list_holds_only_their_clients_programs(world, as_trainer_a):
    response = as_trainer_a.get(CHANGELISTS["program"])

    assert response.status_code == 200
    assert [(p.pk, p.item_count) for p in shown(response)] == [(world.program_a.pk, 2)]
    assert CLIENT_B not in response.content.decode()


def test_a_clients_program_page_shows_its_items_and_overrides_read_only(world, as_trainer_a):
    response = as_trainer_a.get(change_url("program", world.program_a.pk))
    other = as_trainer_a.get(change_url("program", world.program_b.pk))
    change = as_trainer_a.post(change_url("program", world.program_a.pk), {"sessions_per_week": 7})

    [items] = [f.formset for f in response.context["inline_admin_formsets"]]
    world.program_a.refresh_from_db()
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert len(items.forms) == 2
    assert "Short swings while the knee settles." in response.content.decode()
    assert (other.status_code, change.status_code) == (404, 403)
    assert world.program_a.sessions_per_week == 3


@pytest.mark.parametrize("programs", [2, 10])
def test_the_program_list_costs_the_same_queries_whatever_its_length(make_user, django_assert_num_queries, programs):
    trainer, client = make_user("trainer-a@example.com", role="trainer"), make_user(CLIENT_A)
    consent(trainer, client)
    for _ in range(programs):
        assign_program(trainer, client)
    browser = panel(trainer)

    # session, user, the trainer's permissions and group permissions, the count, the page, the access log
    with django_assert_num_queries(7):
        response = browser.get(CHANGELISTS["program"])

    assert len(shown(response)) == programs


# The access log ----------------------------------------------------------------------------------


def test_a_trainers_reads_in_the_panel_land_in_the_clients_access_log(world, as_trainer_a):
    as_trainer_a.get(CHANGELISTS["stretchsession"])
    as_trainer_a.get(change_url("stretchsession", world.session_a.pk))
    as_trainer_a.get(CHANGELISTS["alert"])
    as_trainer_a.get(change_url("program", world.program_a.pk))

    entries = AccessLogEntry.objects.order_by("id").values_list("trainer__email", "client__email", "resource", "path")
    assert list(entries) == [
        ("trainer-a@example.com", CLIENT_A, "sessions", CHANGELISTS["stretchsession"]),
        ("trainer-a@example.com", CLIENT_A, "sessions", change_url("stretchsession", world.session_a.pk)),
        ("trainer-a@example.com", CLIENT_A, "alerts", CHANGELISTS["alert"]),
        ("trainer-a@example.com", CLIENT_A, "programs", change_url("program", world.program_a.pk)),
    ]


def test_staff_reads_in_the_admin_are_not_logged(world, admin_client):
    admin_client.get(CHANGELISTS["stretchsession"])
    admin_client.get(CHANGELISTS["alert"])

    assert AccessLogEntry.objects.count() == 0


# Staff ----------------------------------------------------------------------------------------------


@pytest.fixture(params=["superuser", "staff account"])
def as_staff(request, world, make_user) -> Client:
    if request.param == "superuser":
        return panel(User.objects.create_superuser("root@example.com", PASSWORD))
    return panel(make_user("staff@example.com", role="staff"))


def test_staff_see_every_client_session_and_alert(world, as_staff):
    users = {u.email for u in shown(as_staff.get(CHANGELISTS["user"]))}
    sessions = {s.pk for s in shown(as_staff.get(CHANGELISTS["stretchsession"]))}
    alerts = {a.pk for a in shown(as_staff.get(CHANGELISTS["alert"]))}

    assert {CLIENT_A, CLIENT_B, "trainer-a@example.com", "trainer-b@example.com"} <= users
    assert sessions == {world.session_a.pk, world.session_b.pk}
    assert alerts == {world.alert_a.pk, world.alert_b.pk}


def test_staff_open_any_clients_session(world, as_staff):
    response = as_staff.get(change_url("stretchsession", world.session_b.pk))

    assert response.status_code == 200


def test_a_staff_account_without_permissions_views_but_does_not_edit_accounts(world, make_user):
    browser = panel(make_user("staff@example.com", role="staff"))

    response = browser.get(change_url("user", world.client_b.pk))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
