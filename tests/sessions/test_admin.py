"""Staff look after accounts, signed-in devices and logged sessions in the admin."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from sessions import access
from sessions.models import Alert, DeviceToken, StretchSession, User
from sessions.trainers import services
from tests.admin_forms import unchanged_change_form
from tests.conftest import bearer_client
from tests.sessions.payloads import session_payload, stop_event

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def upload_session(user: User, *, holds: int = 3, with_stop_event: bool = True) -> StretchSession:
    """A session stored through the API, with holds, a measurement and (by default) a stop event."""
    body = session_payload(holds=holds)
    if with_stop_event:
        body["stop_events"] = [stop_event(body["holds"][0]["started_at"], hold_index=0)]
    response = bearer_client(user).post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 201, response.json()
    return StretchSession.objects.get(pk=body["id"])


def session_change_data(session: StretchSession, **changes) -> dict:
    """What the session's change form posts back, with `changes` applied."""
    data = {
        "ended_at_0": f"{session.ended_at:%Y-%m-%d}",
        "ended_at_1": f"{session.ended_at:%H:%M:%S}",
        "outcome": session.outcome,
        "notes": session.notes,
    }
    for prefix in ("holds", "stop_events", "measurements"):
        count = getattr(session, prefix).count()
        data.update({f"{prefix}-TOTAL_FORMS": count, f"{prefix}-INITIAL_FORMS": count})
    data.update(changes)
    return data


# Registrations -----------------------------------------------------------------------------


def test_no_swapped_model_is_registered():
    # knox/admin.py registers knox.AuthToken, which DeviceToken swaps out: the admin must ignore it
    registered = {f"{model._meta.app_label}.{model.__name__}" for model in admin.site._registry}

    assert {"stretch_sessions.User", "stretch_sessions.DeviceToken", "stretch_sessions.StretchSession"} <= registered
    assert [name for name in registered if name.startswith("knox.")] == []
    assert [model for model in admin.site._registry if model._meta.swapped] == []


def test_admin_index_lists_the_sessions_app(admin_client):
    response = admin_client.get(reverse("admin:index"))

    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert response.status_code == 200
    assert {"User", "DeviceToken", "StretchSession"} <= models


# Users --------------------------------------------------------------------------------------


def test_user_changelist_lists_users_by_email(admin_client, client_user, trainer, staff):
    response = admin_client.get(reverse("admin:stretch_sessions_user_changelist"))

    assert response.status_code == 200
    assert [u.email for u in response.context["cl"].result_list] == [
        "admin@example.com",
        "client@example.com",
        "staff@example.com",
        "trainer@example.com",
    ]


def test_user_changelist_filters_by_role_and_searches_email_and_display_name(admin_client, client_user, trainer):
    User.objects.filter(pk=trainer.pk).update(display_name="Coach Kim")
    url = reverse("admin:stretch_sessions_user_changelist")

    by_role = admin_client.get(url, {"role__exact": "trainer"})
    by_name = admin_client.get(url, {"q": "kim"})
    by_email = admin_client.get(url, {"q": "client@"})

    assert [u.email for u in by_role.context["cl"].result_list] == ["trainer@example.com"]
    assert [u.email for u in by_name.context["cl"].result_list] == ["trainer@example.com"]
    assert [u.email for u in by_email.context["cl"].result_list] == ["client@example.com"]


def test_user_change_page_opens(admin_client, client_user):
    response = admin_client.get(reverse("admin:stretch_sessions_user_change", args=[client_user.pk]))

    assert response.status_code == 200
    assert "username" not in response.context["adminform"].form.fields


def test_user_add_page_asks_for_email_role_and_password(admin_client):
    response = admin_client.get(reverse("admin:stretch_sessions_user_add"))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == [
        "email",
        "role",
        "display_name",
        "password1",
        "password2",
    ]


@pytest.mark.parametrize(("role", "is_staff"), [("client", False), ("trainer", True), ("staff", True)])
def test_user_added_in_the_admin_gets_a_hashed_password_and_a_lowercased_email(admin_client, role, is_staff):
    response = admin_client.post(
        reverse("admin:stretch_sessions_user_add"),
        {
            "email": "New.Person@Example.com",
            "role": role,
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
        },
    )

    user = User.objects.get(email="new.person@example.com")
    assert response.status_code == 302
    assert (user.role, user.is_staff, user.is_superuser) == (role, is_staff, False)
    assert user.check_password("a-long-Passphrase-42")
    assert user.password != "a-long-Passphrase-42"


@pytest.mark.parametrize(
    ("before", "after", "is_staff"),
    [("client", "trainer", True), ("trainer", "client", False), ("client", "staff", True)],
)
def test_changing_a_role_in_the_admin_carries_the_panel_sign_in_with_it(
    admin_client, make_user, before, after, is_staff
):
    user = make_user("someone@example.com", role=before)
    url = reverse("admin:stretch_sessions_user_change", args=[user.pk])
    data = unchanged_change_form(admin_client.get(url))
    data["role"] = after

    response = admin_client.post(url, data)

    user.refresh_from_db()
    assert response.status_code == 302
    assert (user.role, user.is_staff) == (after, is_staff)


def test_staff_status_set_by_hand_in_the_same_save_wins_over_the_role(admin_client, make_user):
    user = make_user("someone@example.com", role="trainer")
    url = reverse("admin:stretch_sessions_user_change", args=[user.pk])
    data = unchanged_change_form(admin_client.get(url))
    data.update(role="staff")
    del data["is_staff"]  # unticked by hand: an unticked checkbox is absent from the form's POST

    admin_client.post(url, data)

    user.refresh_from_db()
    assert (user.role, user.is_staff) == ("staff", False)


def test_user_add_refuses_a_weak_password(admin_client):
    response = admin_client.post(
        reverse("admin:stretch_sessions_user_add"),
        {"email": "new@example.com", "role": "client", "password1": "12345678", "password2": "12345678"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors.as_data()["password2"][0].code == "password_too_common"
    assert User.objects.filter(email="new@example.com").exists() is False


@pytest.mark.parametrize(
    ("email", "code"),
    [("Client@Example.com", "unique"), ("client@ex\u0430mple.com", "email_mixed_script")],
    ids=["taken, whatever its case", "look-alike (sessions/accounts/emails.py)"],
)
def test_user_add_refuses_a_taken_or_look_alike_email(admin_client, client_user, email, code):
    response = admin_client.post(
        reverse("admin:stretch_sessions_user_add"),
        {"email": email, "role": "client", "password1": "a-long-Passphrase-42", "password2": "a-long-Passphrase-42"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors.as_data()["email"][0].code == code
    assert User.objects.filter(email__startswith="client@").count() == 1


def test_user_password_change_page_opens(admin_client, client_user):
    response = admin_client.get(reverse("admin:auth_user_password_change", args=[client_user.pk]))

    assert response.status_code == 200


def test_a_trainer_who_assisted_a_session_is_not_deleted_and_the_session_keeps_its_trainer(
    admin_client, client_user, trainer
):
    body = session_payload(assisted_by="trainer", trainer_id=trainer.pk, partner_name="")
    assert bearer_client(client_user).post("/api/v1/sessions/", body, format="json").status_code == 201
    delete_url = reverse("admin:stretch_sessions_user_delete", args=[trainer.pk])

    confirmation = admin_client.get(delete_url)
    response = admin_client.post(delete_url, {"post": "yes"})

    assert (confirmation.status_code, response.status_code) == (200, 200)
    assert response.context["protected"], "the page names the sessions that keep the trainer"
    assert StretchSession.objects.get(pk=body["id"]).assisting_trainer_id == trainer.pk
    with pytest.raises(ProtectedError):
        trainer.delete()
    assert User.objects.filter(pk=trainer.pk).exists()


def test_a_trainer_who_assisted_no_session_is_deleted(admin_client, client_user, trainer):
    body = session_payload(assisted_by="partner", partner_name="Sam")
    assert bearer_client(client_user).post("/api/v1/sessions/", body, format="json").status_code == 201

    response = admin_client.post(reverse("admin:stretch_sessions_user_delete", args=[trainer.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=trainer.pk).exists()
    assert StretchSession.objects.filter(pk=body["id"]).exists()


def test_erasing_a_client_takes_their_trainer_assisted_sessions_and_keeps_the_trainer(client_user, trainer):
    body = session_payload(assisted_by="trainer", trainer_id=trainer.pk, partner_name="")
    assert bearer_client(client_user).post("/api/v1/sessions/", body, format="json").status_code == 201

    client_user.delete()

    assert not StretchSession.objects.filter(pk=body["id"]).exists()
    assert User.objects.filter(pk=trainer.pk).exists()


# Device tokens ----------------------------------------------------------------------------------


def test_device_token_changelist_shows_user_and_device(admin_client, client_user, other_client):
    bearer_client(client_user, device_name="Pixel 8")
    bearer_client(other_client, device_name="iPad")

    response = admin_client.get(reverse("admin:stretch_sessions_devicetoken_changelist"))

    assert response.status_code == 200
    assert sorted((t.user.email, t.device_name) for t in response.context["cl"].result_list) == [
        ("client@example.com", "Pixel 8"),
        ("other@example.com", "iPad"),
    ]


def test_device_token_page_is_read_only_and_shows_no_secret(admin_client, client_user):
    bearer_client(client_user, device_name="Pixel 8")
    token = DeviceToken.objects.get()

    response = admin_client.get(reverse("admin:stretch_sessions_devicetoken_change", args=[token.pk]))

    shown = [field.field["name"] for fieldset in response.context["adminform"] for line in fieldset for field in line]
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert shown == ["user", "device_name", "created", "expiry"]
    assert token.token_key not in response.content.decode()


def test_device_tokens_cannot_be_added_in_the_admin(admin_client):
    response = admin_client.get(reverse("admin:stretch_sessions_devicetoken_add"))

    assert response.status_code == 403


def test_deleting_a_device_token_in_the_admin_revokes_it(admin_client, client_user):
    phone = bearer_client(client_user, device_name="phone")
    tablet = bearer_client(client_user, device_name="tablet")
    token = DeviceToken.objects.get(device_name="phone")

    response = admin_client.post(reverse("admin:stretch_sessions_devicetoken_delete", args=[token.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert phone.get(ME).status_code == 401
    assert tablet.get(ME).status_code == 200


def test_deleting_selected_device_tokens_revokes_them(admin_client, client_user):
    phone = bearer_client(client_user, device_name="phone")
    tablet = bearer_client(client_user, device_name="tablet")

    response = admin_client.post(
        reverse("admin:stretch_sessions_devicetoken_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(DeviceToken.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert phone.get(ME).status_code == 401
    assert tablet.get(ME).status_code == 401
    assert DeviceToken.objects.count() == 0


# Sessions -------------------------------------------------------------------------------------


def test_session_changelist_shows_sessions_with_their_flags(admin_client, client_user):
    flagged = upload_session(client_user, with_stop_event=True)
    calm = upload_session(client_user, with_stop_event=False)

    response = admin_client.get(reverse("admin:stretch_sessions_stretchsession_changelist"))

    assert response.status_code == 200
    assert {s.pk: s.has_stop_event for s in response.context["cl"].result_list} == {flagged.pk: True, calm.pk: False}


def test_session_changelist_filters_by_stop_event_and_searches_owner_email(admin_client, client_user, other_client):
    flagged = upload_session(client_user, with_stop_event=True)
    upload_session(client_user, with_stop_event=False)
    others = upload_session(other_client, with_stop_event=False)
    url = reverse("admin:stretch_sessions_stretchsession_changelist")

    by_flag = admin_client.get(url, {"has_stop_event__exact": "1"})
    by_owner = admin_client.get(url, {"q": "other@"})

    assert [s.pk for s in by_flag.context["cl"].result_list] == [flagged.pk]
    assert [s.pk for s in by_owner.context["cl"].result_list] == [others.pk]


@pytest.mark.parametrize("sessions", [2, 20])
def test_session_changelist_query_count_does_not_grow_with_sessions(
    admin_client, client_user, other_client, django_assert_num_queries, sessions
):
    for index in range(sessions):
        upload_session(client_user if index % 2 else other_client, holds=2)
    url = reverse("admin:stretch_sessions_stretchsession_changelist")

    # session, user, count, the page of sessions with their owners
    with django_assert_num_queries(4):
        response = admin_client.get(url)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == sessions


def test_session_change_page_shows_holds_stop_events_and_measurements(admin_client, client_user):
    session = upload_session(client_user, holds=3, with_stop_event=True)

    response = admin_client.get(reverse("admin:stretch_sessions_stretchsession_change", args=[session.pk]))

    assert response.status_code == 200
    inlines = {
        formset.opts.model.__name__: len(formset.formset.forms) for formset in response.context["inline_admin_formsets"]
    }
    assert inlines == {"Hold": 3, "StopEvent": 1, "Measurement": 1}


def test_session_change_page_allows_editing_only_end_outcome_and_notes(admin_client, client_user):
    session = upload_session(client_user)

    response = admin_client.get(reverse("admin:stretch_sessions_stretchsession_change", args=[session.pk]))

    assert list(response.context["adminform"].form.fields) == ["ended_at", "outcome", "notes"]
    assert all(not formset.has_change_permission for formset in response.context["inline_admin_formsets"])


@pytest.mark.parametrize("holds", [2, 30])
def test_session_change_page_query_count_does_not_grow_with_holds(
    admin_client, client_user, django_assert_num_queries, holds
):
    session = upload_session(client_user, holds=holds)
    url = reverse("admin:stretch_sessions_stretchsession_change", args=[session.pk])
    ContentType.objects.get_for_model(StretchSession)  # cached for the process's life, as in a running server

    # session, user, the session with owner and trainer, then holds, stop events, measurements
    with django_assert_num_queries(6):
        response = admin_client.get(url)

    assert response.status_code == 200


def test_editing_notes_in_the_admin_moves_the_sessions_version(admin_client, client_user):
    session = upload_session(client_user)
    url = reverse("admin:stretch_sessions_stretchsession_change", args=[session.pk])

    response = admin_client.post(url, session_change_data(session, notes="Checked by staff."))

    session.refresh_from_db()
    assert response.status_code == 302
    assert (session.notes, session.version) == ("Checked by staff.", 2)
    assert (session.has_stop_event, session.max_pain) == (True, 6)


def test_saving_an_unchanged_session_in_the_admin_keeps_its_version(admin_client, client_user):
    session = upload_session(client_user)
    url = reverse("admin:stretch_sessions_stretchsession_change", args=[session.pk])

    response = admin_client.post(url, session_change_data(session))

    session.refresh_from_db()
    assert response.status_code == 302
    assert session.version == 1


def test_admin_refuses_an_end_before_the_start(admin_client, client_user):
    session = upload_session(client_user)
    url = reverse("admin:stretch_sessions_stretchsession_change", args=[session.pk])
    before = session.started_at.replace(year=session.started_at.year - 1)

    response = admin_client.post(
        url, session_change_data(session, ended_at_0=f"{before:%Y-%m-%d}", ended_at_1=f"{before:%H:%M:%S}")
    )

    session.refresh_from_db()
    assert response.status_code == 200
    assert (
        response.context["adminform"].form.errors.as_data()["ended_at"][0].message == "Must not be before started_at."
    )
    assert session.version == 1


def test_admin_refuses_an_end_in_the_future_as_the_api_does(admin_client, client_user):
    session = upload_session(client_user)
    url = reverse("admin:stretch_sessions_stretchsession_change", args=[session.pk])
    later = timezone.now() + timedelta(days=1)

    response = admin_client.post(
        url, session_change_data(session, ended_at_0=f"{later:%Y-%m-%d}", ended_at_1=f"{later:%H:%M:%S}")
    )

    session.refresh_from_db()
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors.as_data()["ended_at"]
    assert error.message == "Must not be in the future (more than 5 minutes of clock skew)."
    assert session.version == 1


def test_admin_refuses_an_end_before_the_last_hold_as_the_api_does(admin_client, client_user):
    session = upload_session(client_user, holds=12)  # the last hold starts 8 min 20 s in
    url = reverse("admin:stretch_sessions_stretchsession_change", args=[session.pk])
    early = session.started_at + timedelta(minutes=2)

    response = admin_client.post(
        url, session_change_data(session, ended_at_0=f"{early:%Y-%m-%d}", ended_at_1=f"{early:%H:%M:%S}")
    )

    session.refresh_from_db()
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors.as_data()["ended_at"]
    assert error.message == "Must not be before the session's last hold or stop event."
    assert session.version == 1


def test_sessions_cannot_be_added_or_deleted_in_the_admin(admin_client, client_user):
    session = upload_session(client_user)

    add = admin_client.get(reverse("admin:stretch_sessions_stretchsession_add"))
    delete = admin_client.post(
        reverse("admin:stretch_sessions_stretchsession_delete", args=[session.pk]), {"post": "yes"}
    )

    assert (add.status_code, delete.status_code) == (403, 403)
    assert StretchSession.objects.filter(pk=session.pk, deleted_at__isnull=True).exists()


# The trainer's side, for staff -------------------------------------------------------------------


def test_the_trainers_side_is_registered(admin_client):
    response = admin_client.get(reverse("admin:index"))

    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert {"Alert", "TrainerLink", "TrainerInvitation", "AccessLogEntry"} <= models


@pytest.fixture
def linked(client_user, trainer):
    """A consent link made by invitation, a flagged session (one alert), and a trainer's read of it."""
    link = services.invitation_accept(client=client_user, code=services.invitation_create(trainer=trainer).code)
    upload_session(client_user)
    access.log_access(trainer=trainer, client_ids=[client_user.pk], resource="sessions", path="/somewhere/")
    return link


@pytest.mark.parametrize("model", ["trainerlink", "trainerinvitation", "accesslogentry"])
def test_links_invitations_and_the_access_log_are_read_only_for_staff(admin_client, linked, model):
    changelist = admin_client.get(reverse(f"admin:stretch_sessions_{model}_changelist"))
    row = changelist.context["cl"].result_list[0]
    change = admin_client.get(reverse(f"admin:stretch_sessions_{model}_change", args=[row.pk]))
    add = admin_client.get(reverse(f"admin:stretch_sessions_{model}_add"))
    delete = admin_client.post(reverse(f"admin:stretch_sessions_{model}_delete", args=[row.pk]), {"post": "yes"})

    assert (changelist.status_code, change.status_code, add.status_code, delete.status_code) == (200, 200, 403, 403)
    assert len(changelist.context["cl"].result_list) == 1
    assert change.context["has_change_permission"] is False
    assert type(row).objects.filter(pk=row.pk).exists()


def test_staff_acknowledge_an_alert_from_its_page(admin_client, linked):
    alert = Alert.objects.get()

    response = admin_client.post(
        reverse("admin:stretch_sessions_alert_change", args=[alert.pk]), {"note": "Checked by staff."}
    )

    alert.refresh_from_db()
    assert response.status_code == 302
    assert (alert.acknowledged_by.email, alert.note) == ("admin@example.com", "Checked by staff.")
