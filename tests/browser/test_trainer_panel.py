"""The trainer's panel in a real browser: sign in, acknowledge an alert, see nothing of
another trainer's client. Screenshots of every step go to test-artifacts/<database>/."""

from __future__ import annotations

from django.urls import reverse

from sessions.models import Alert, StretchSession, User
from sessions.trainers import services
from tests.conftest import bearer_client
from tests.sessions.payloads import session_payload, stop_event

from .conftest import browser_db, chromium_page, needs_chromium

pytestmark = [needs_chromium, browser_db]

PASSWORD = "a-long-Passphrase-42"
CLIENT_A, CLIENT_B = "ana@example.com", "bo@example.com"


def consented_client_with_a_stop_event(trainer: User, email: str, make_user) -> StretchSession:
    """A client who accepted the trainer's invitation, then uploaded a session with a stop event."""
    client = make_user(email)
    services.invitation_accept(client=client, code=services.invitation_create(trainer=trainer).code)
    body = session_payload(holds=2)
    body["stop_events"] = [stop_event(body["holds"][0]["started_at"], hold_index=0)]
    response = bearer_client(client).post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 201, response.content
    return StretchSession.objects.get(pk=body["id"])


def test_a_trainer_acknowledges_their_clients_alert_and_sees_nothing_of_another_trainers_client(
    live_server, screenshot, make_user
):
    trainer_a = make_user("tess@example.com", role="trainer")
    trainer_b = make_user("tom@example.com", role="trainer")
    session_a = consented_client_with_a_stop_event(trainer_a, CLIENT_A, make_user)
    session_b = consented_client_with_a_stop_event(trainer_b, CLIENT_B, make_user)
    alert_a, alert_b = Alert.objects.get(session=session_a), Alert.objects.get(session=session_b)

    def url(name: str, *args) -> str:
        return live_server.url + reverse(name, args=args)

    static: list[tuple[str, int]] = []
    with chromium_page() as page:  # no database access inside: see chromium_page
        page.on("response", lambda r: static.append((r.url, r.status)) if "/static/" in r.url else None)

        # Sign in through the admin's login page.
        page.goto(url("admin:index"))
        screenshot(page, "01-login")
        page.fill("#id_username", "tess@example.com")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(url("admin:index"))
        assert page.locator("h1").inner_text() == "Needs attention"
        page.goto(url("admin:app_list", "stretch_sessions"))
        screenshot(page, "02-index")
        menu = page.locator("#content-main").inner_text()
        assert ("Alerts" in menu, "Stretch sessions" in menu, "Users" in menu) == (True, True, True)
        assert ("Device tokens" in menu, "Trainer links" in menu, "Exercises" in menu) == (False, False, False)
        header = page.eval_on_selector("#header", "e => getComputedStyle(e).backgroundColor")
        assert header == "rgb(65, 118, 144)"  # the admin's stylesheet applied

        # The alert list (open alerts by default): exactly the client's alert; acknowledge it with the action.
        page.goto(url("admin:stretch_sessions_alert_changelist"))
        screenshot(page, "03-alerts")
        rows = page.locator("#result_list tbody tr")
        assert rows.count() == 1
        assert CLIENT_A in rows.first.inner_text()
        assert CLIENT_B not in page.content()
        rows.first.locator("input[name=_selected_action]").check()
        page.select_option("select[name=action]", "acknowledge_alerts")
        page.click("button[name=index]")
        page.wait_for_selector("ul.messagelist")
        screenshot(page, "04-acknowledged")
        assert page.locator("ul.messagelist").inner_text().strip() == "Acknowledged 1 alert."
        assert CLIENT_B not in page.content()

        # The client list and the session list.
        page.goto(url("admin:stretch_sessions_user_changelist"))
        screenshot(page, "05-clients")
        assert [email.strip() for email in page.locator("#result_list tbody th").all_inner_texts()] == [CLIENT_A]
        assert CLIENT_B not in page.content()
        page.goto(url("admin:stretch_sessions_stretchsession_changelist"))
        screenshot(page, "06-sessions")
        assert page.locator("#result_list tbody tr").count() == 1
        assert CLIENT_A in page.content()
        assert CLIENT_B not in page.content()

        # The client's session, read-only with its holds and stop event; the acknowledged alert.
        page.goto(url("admin:stretch_sessions_stretchsession_change", session_a.pk))
        screenshot(page, "07-session")
        assert page.locator("#session-holds tr.pair").count() == 1  # two holds: left and right side by side
        assert "Sharp pain" in page.locator("#session-stop-events").inner_text()
        assert page.locator("input[type=submit]").count() == 0
        page.goto(url("admin:stretch_sessions_alert_change", alert_a.pk))
        screenshot(page, "08-acknowledged-alert")
        assert "tess@example.com" in page.locator("fieldset", has_text="Acknowledgement").inner_text()
        assert page.locator(".field-source").inner_text().endswith("sharp pain, pain 6/10, eased off")

        # The other trainer's client's rows, by URL: a 404 page, none of their data.
        for step, name, pk in [
            ("09-other-session", "admin:stretch_sessions_stretchsession_change", session_b.pk),
            ("10-other-alert", "admin:stretch_sessions_alert_change", alert_b.pk),
            ("11-other-client", "admin:stretch_sessions_user_change", session_b.owner_id),
        ]:
            response = page.goto(url(name, pk))
            screenshot(page, step)
            assert response.status == 404
            assert page.locator("h1").inner_text() == "Not Found"
            assert CLIENT_B not in page.content()

    # The action went through the service: acknowledged by trainer A, and only their client's alert.
    alert_a.refresh_from_db()
    alert_b.refresh_from_db()
    assert (alert_a.acknowledged_by_id, alert_a.acknowledged_at is not None, alert_a.note) == (trainer_a.pk, True, "")
    assert (alert_b.acknowledged_by_id, alert_b.acknowledged_at) == (None, None)
    # The admin's own styles and scripts were served.
    assert any(u.endswith("/static/admin/css/base.css") for u, _ in static)
    assert [(u, status) for u, status in static if status != 200] == []
