"""Webhooks: registering endpoints (secret shown once, problems naming the field, SSRF refused),
signed deliveries with retries under the same webhook-id, the delivery log, disabling an endpoint
that keeps failing, and who may see what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sessions.choices import DeliveryStatus
from sessions.models import WebhookDelivery, WebhookEndpoint
from sessions.webhooks.services import endpoint_create, webhooks_sweep
from sessions.webhooks.signing import signed_headers
from stretchapi.errors import InvalidData
from tests.conftest import bearer_client
from tests.sessions import test_notifications as notifications
from tests.sessions.test_notifications import stop_event_session, upload

pytestmark = pytest.mark.django_db

# The fixtures of test_notifications.py: a trainer linked to the client, the local receiver, the
# worker run in this process, tight retry delays.
linked, receiver, work = notifications.linked, notifications.receiver, notifications.work
tight_retries, in_test_transaction = notifications.tight_retries, notifications.in_test_transaction

WEBHOOKS = "/api/v1/webhooks/"


def test_signatures_match_the_standard_webhooks_example():
    """The example of the Standard Webhooks specification (its reference libraries' test vector)."""
    headers = signed_headers(
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        webhook_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        sent_at=datetime.fromtimestamp(1614265330, tz=UTC),
        body='{"test": 2432232314}',
    )

    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


def test_registering_shows_the_secret_once(linked, receiver):
    api = bearer_client(linked)

    created = api.post(WEBHOOKS, {"url": receiver.url, "event_types": ["alert.raised"]}, format="json")
    listed = api.get(WEBHOOKS)

    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert secret.startswith("whsec_") and len(secret) == 50
    assert WebhookEndpoint.objects.get().secret == secret
    assert listed.json()["results"] == [{k: v for k, v in created.json().items() if k != "secret"}]
    assert "secret" not in api.get(f"{WEBHOOKS}{created.json()['id']}/").json()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"url": "http://example.com/", "event_types": ["alert.exploded"]}, "event_types[0]", "invalid_choice"),
        ({"url": "http://example.com/", "event_types": []}, "event_types", "empty"),
        ({"url": "not a url", "event_types": ["alert.raised"]}, "url", "invalid"),
        ({"url": "http://127.0.0.1:8080/", "event_types": ["alert.raised"], "extra": 1}, "extra", "unknown_field"),
    ],
)
def test_bad_registrations_are_problems_naming_the_field(linked, body, field, code):
    response = bearer_client(linked).post(WEBHOOKS, body, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",  # loopback
        "http://localhost:8000/hook",  # a name for loopback
        "http://[::1]/hook",  # IPv6 loopback
        "http://10.1.2.3/hook",  # private
        "http://192.168.0.10/hook",  # private
        "http://172.16.5.4/hook",  # private
        "http://169.254.169.254/latest/meta-data/",  # link-local: the cloud metadata service
        "http://[fe80::1]/hook",  # IPv6 link-local
        "http://100.64.0.1/hook",  # shared address space (carrier-grade NAT)
        "http://0.0.0.0/hook",  # unspecified
        "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
        "http://[fd00::1]/hook",  # IPv6 unique local
        "http://224.0.0.1/hook",  # multicast
    ],
)
def test_endpoints_on_non_public_addresses_are_refused(linked, url):
    response = bearer_client(linked).post(WEBHOOKS, {"url": url, "event_types": ["alert.raised"]}, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("url", "address_not_allowed")]


def test_other_schemes_and_credentials_in_urls_are_refused(linked):
    with pytest.raises(InvalidData) as scheme:
        endpoint_create(owner=linked, url="ftp://93.184.215.14/hook", event_types=["alert.raised"])
    with pytest.raises(InvalidData) as credentials:
        endpoint_create(owner=linked, url="https://user:pw@93.184.215.14/hook", event_types=["alert.raised"])

    assert [(p.field, p.code) for p in scheme.value.problems] == [("url", "scheme_not_allowed")]
    assert [(p.field, p.code) for p in credentials.value.problems] == [("url", "credentials_in_url")]


def test_an_address_refused_at_delivery_time_is_never_called(
    client_user, linked, receiver, work, settings, django_capture_on_commit_callbacks
):
    """Registered while allowed (or a name that resolved elsewhere then): each delivery checks again."""
    endpoint_create(owner=linked, url=receiver.url, event_types=["session.uploaded"])
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    work()

    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_error.startswith("The URL's host resolves to a private")
    assert delivery.last_status_code is None


def test_a_receiver_failing_twice_gets_the_delivery_on_the_third_attempt_with_the_same_id(
    client_user, linked, receiver, work, django_capture_on_commit_callbacks
):
    endpoint = endpoint_create(owner=linked, url=receiver.url, event_types=["alert.raised"])
    receiver.statuses = [500, 500]

    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    work(until=lambda: len(receiver.received) == 3)

    attempts = receiver.verified(endpoint.secret)
    assert len(attempts) == 3
    assert len({webhook_id for webhook_id, _ in attempts}) == 1
    assert len({headers["webhook-timestamp"] for headers, _ in receiver.received}) >= 1
    log = bearer_client(linked).get(f"{WEBHOOKS}{endpoint.pk}/deliveries/").json()["results"]
    assert [(d["status"], d["attempts"], d["last_status_code"], d["last_error"]) for d in log] == [
        ("delivered", 3, 200, "")
    ]
    assert log[0]["webhook_id"] == attempts[0][0]


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    client_user, linked, receiver, work, django_capture_on_commit_callbacks
):
    endpoint_create(owner=linked, url=receiver.url, event_types=["session.uploaded"])
    receiver.statuses = [302, 302, 302, 302]

    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    work(until=lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).exists())

    assert [headers.get("webhook-id") for headers, _ in receiver.received] == [
        WebhookDelivery.objects.get().webhook_id
    ] * 4
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.FAILED, 4, "HTTP 302")


def test_an_endpoint_failing_for_three_days_is_disabled_and_its_owner_told(
    client_user, linked, receiver, work, django_capture_on_commit_callbacks
):
    endpoint = endpoint_create(owner=linked, url=receiver.url, event_types=["session.uploaded"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=3))
    receiver.statuses = [503]

    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    work()

    endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason.startswith("Every delivery failed for 3 days; last: HTTP 503")
    assert len(receiver.received) == 1  # the second delivery was given up, not sent
    assert sorted(WebhookDelivery.objects.values_list("status", flat=True)) == ["failed", "failed"]
    [notice] = [m for m in mail.outbox if m.subject == "Webhook endpoint disabled"]
    assert notice.to == ["trainer@example.com"] and endpoint.url in notice.body

    turned_on = bearer_client(linked).patch(f"{WEBHOOKS}{endpoint.pk}/", {"enabled": True}, format="json")
    assert turned_on.json()["enabled"] is True and turned_on.json()["failing_since"] is None


def test_a_success_clears_the_failing_mark(client_user, linked, receiver, work, django_capture_on_commit_callbacks):
    endpoint = endpoint_create(owner=linked, url=receiver.url, event_types=["session.uploaded"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=1))

    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    work()

    endpoint.refresh_from_db()
    assert (endpoint.failing_since, endpoint.disabled_at) == (None, None)


def test_only_consented_clients_events_reach_a_trainers_endpoints(
    client_user, other_client, linked, staff, receiver, work, django_capture_on_commit_callbacks
):
    mine = endpoint_create(owner=linked, url=receiver.url, event_types=["session.uploaded"])
    everyone = endpoint_create(owner=staff, url=receiver.url, event_types=["session.uploaded"])

    upload(other_client, stop_event_session(), django_capture_on_commit_callbacks)  # not the trainer's client
    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    work()

    sent = sorted((d.endpoint_id, d.payload["data"]["client_id"]) for d in WebhookDelivery.objects.all())
    assert sent == sorted([(mine.pk, client_user.pk), (everyone.pk, client_user.pk), (everyone.pk, other_client.pk)])


def test_payloads_carry_ids_and_never_notes(client_user, linked, receiver, work, django_capture_on_commit_callbacks):
    endpoint = endpoint_create(
        owner=linked, url=receiver.url, event_types=["session.uploaded", "alert.raised", "alert.acknowledged"]
    )
    body = stop_event_session()
    body["notes"] = "Felt a pull, private"

    upload(client_user, body, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        bearer_client(linked).post(f"/api/v1/trainer/alert-groups/{body['id']}/acknowledge/", {}, format="json")
    work()

    payloads = {payload["type"]: payload["data"] for _, payload in receiver.verified(endpoint.secret)}
    assert set(payloads) == {"session.uploaded", "alert.raised", "alert.acknowledged"}
    assert payloads["session.uploaded"] == {
        "client_id": client_user.pk,
        "session_id": body["id"],
        "started_at": body["started_at"].replace("+00:00", "Z"),
    }
    assert set(payloads["alert.acknowledged"]) == {"client_id", "session_id", "alert_ids", "acknowledged_at"}
    assert len(payloads["alert.acknowledged"]["alert_ids"]) == 2
    assert "private" not in str(payloads) and "Felt" not in str(payloads)


def test_the_sweep_resends_a_delivery_left_by_a_killed_worker_with_the_same_id(
    client_user, linked, receiver, work, django_capture_on_commit_callbacks, settings
):
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 5
    endpoint = endpoint_create(owner=linked, url=receiver.url, event_types=["session.uploaded"])
    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    DBTaskResult.objects.all().delete()  # the task was taken by a worker killed mid-attempt
    now = datetime.now(UTC)
    WebhookDelivery.objects.update(
        attempts=1, claimed_until=now - timedelta(seconds=1), next_attempt_at=now - timedelta(seconds=10)
    )

    assert webhooks_sweep() == 1
    assert webhooks_sweep() == 0  # handed out: the next sweep leaves it to its task
    work()

    assert [webhook_id for webhook_id, _ in receiver.verified(endpoint.secret)] == [delivery.webhook_id]
    assert WebhookDelivery.objects.get().attempts == 2


# Who may do what ------------------------------------------------------------------------


def test_clients_and_anonymous_callers_cannot_use_webhooks(api_client, client_user):
    assert api_client.get(WEBHOOKS).status_code == 401
    response = bearer_client(client_user).post(
        WEBHOOKS, {"url": "https://example.com/", "event_types": ["alert.raised"]}, format="json"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("request_", ["detail", "deliveries", "patch", "delete"])
def test_another_owners_endpoint_is_not_found(linked, staff, receiver, request_):
    theirs = endpoint_create(owner=staff, url=receiver.url, event_types=["alert.raised"])
    api, url = bearer_client(linked), f"{WEBHOOKS}{theirs.pk}/"

    response = {
        "detail": lambda: api.get(url),
        "deliveries": lambda: api.get(f"{url}deliveries/"),
        "patch": lambda: api.patch(url, {"description": "mine now"}, format="json"),
        "delete": lambda: api.delete(url),
    }[request_]()

    assert response.status_code == 404
    assert WebhookEndpoint.objects.get(pk=theirs.pk).description == ""


def test_an_owner_changes_and_removes_an_endpoint(linked):
    api = bearer_client(linked)
    endpoint = endpoint_create(owner=linked, url="https://93.184.215.14/hook", event_types=["alert.raised"])

    changed = api.patch(f"{WEBHOOKS}{endpoint.pk}/", {"event_types": ["session.uploaded"]}, format="json")
    refused = api.patch(f"{WEBHOOKS}{endpoint.pk}/", {"url": "http://169.254.169.254/"}, format="json")
    kept_url = WebhookEndpoint.objects.get().url
    removed = api.delete(f"{WEBHOOKS}{endpoint.pk}/")

    assert changed.json()["event_types"] == ["session.uploaded"]
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [("url", "address_not_allowed")]
    assert kept_url == "https://93.184.215.14/hook"
    assert removed.status_code == 204
    assert WebhookEndpoint.objects.count() == 0


def test_the_delivery_log_costs_the_same_queries_whatever_its_length(
    client_user, linked, receiver, django_assert_num_queries, django_capture_on_commit_callbacks
):
    endpoint = endpoint_create(owner=linked, url=receiver.url, event_types=["session.uploaded"])
    api = bearer_client(linked)
    counts = []
    for _ in range(2):
        upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
        upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
        with django_assert_num_queries(4):  # token (1), the endpoint, the count, the page
            counts.append(len(api.get(f"{WEBHOOKS}{endpoint.pk}/deliveries/").json()["results"]))

    assert counts == [2, 4]
