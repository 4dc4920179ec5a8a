"""The trainer's alert feed built as plain dicts (`documents.alert_document` over the rows of
`alerts.selectors.trainer_alert_rows`) is `AlertSerializer`'s output, value for value and byte for
byte: hold alerts (above the cap, high pain), stop-event alerts with and without a hold, with and
without a side, of a stop sign and of kind `other`, escalations, an alert pointing at both a hold
and a stop event, acknowledged ones with a note and by a user without a display name, clients
whose names JSON must escape. Filters, cursor pages and the access log keep working on the rows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.alerts import selectors as alert_selectors
from sessions.alerts.rules import AlertSource, HoldFacts, StopEventFacts, alert_source
from sessions.api.serializers.documents import alert_documents
from sessions.api.serializers.trainers import AlertSerializer
from sessions.choices import AlertKind
from sessions.models import AccessLogEntry, Alert, Hold, StopEvent
from tests.conftest import bearer_client
from tests.sessions.exports_world import upload
from tests.sessions.payloads import full_session_payload, session_payload, stop_event
from tests.sessions.test_read_documents import rendered

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(world):
    """The export world's alerts (Casey's and Blank's, consented; Olive's, not), with a session of
    every kind of row and a high-pain hold for Casey, a stop event continued through for Blank, an
    alert pointing at both a hold and a stop event, and two acknowledged alerts: one with a note by
    the trainer, one by a staff member without a display name and no note."""
    upload(world.casey, full_session_payload(trainer_id=world.trainer.pk))
    painful = session_payload(holds=3, started=timezone.now() - timedelta(days=9))
    painful["holds"][1].update(intensity=10, pain=8)
    painful["stop_events"] = []
    upload(world.casey, painful)
    continued = session_payload(holds=2, started=timezone.now() - timedelta(days=1))
    continued["stop_events"] = [stop_event(continued["started_at"], hold_index=1, pain=8, action="continued")]
    del continued["stop_events"][0]["side"]
    upload(world.blank, continued)  # an escalation, with high pain and the stop event, without a side
    olives = session_payload(holds=1)
    olives["holds"][0].update(intensity=10, pain=9)
    upload(world.olive, olives)
    event = StopEvent.objects.filter(session__owner=world.casey, hold__isnull=False).first()
    other_hold = Hold.objects.filter(session=event.session).exclude(pk=event.hold_id).first()
    Alert.objects.create(
        client=world.casey, session=event.session, kind=AlertKind.HIGH_PAIN, hold=other_hold, stop_event=event,
        occurred_at=event.occurred_at,
    )  # fmt: skip
    trainer_api = bearer_client(world.trainer)
    first, second = alert_selectors.trainer_alerts(trainer=world.trainer)[:2]
    acknowledged = trainer_api.post(
        f"/api/v1/trainer/alerts/{first.pk}/acknowledge/", {"note": 'Called, "fine"\nsee Monday'}, format="json"
    )
    assert acknowledged.status_code == 200
    world.analyst.display_name = ""
    world.analyst.save(update_fields=["display_name"])
    Alert.objects.filter(pk=second.pk).update(acknowledged_at=timezone.now(), acknowledged_by=world.analyst)
    return world


def documents_of(trainer, queryset=None):
    rows = alert_selectors.trainer_alert_rows(trainer=trainer) if queryset is None else queryset
    return alert_documents(alert_selectors.alert_rows_with_sources(list(rows)))


def test_alert_documents_are_the_serializers_output(feed):
    documents = documents_of(feed.trainer)

    expected = AlertSerializer(alert_selectors.trainer_alerts(trainer=feed.trainer), many=True).data
    assert documents == expected
    assert rendered(documents) == rendered(expected)
    # the variety the comparison covered
    sources = {
        (d["kind"], d["exercise"] is not None, d["stop_sign"] is not None, d["side"] is not None) for d in documents
    }
    assert {
        ("stop_event", True, True, True),  # a stop event during a hold
        ("stop_event", False, True, False),  # a stop event of kind `other`, no hold, no side
        ("above_target", True, False, True),
        ("high_pain", True, False, True),
        ("escalation", True, True, False),  # continued through high pain, no side
    } <= sources
    assert {d["stop_sign"] for d in documents} >= {"other", "nerve-tingling", "sharp-pain"}
    assert {d["client"]["id"] for d in documents} == {feed.casey.pk, feed.blank.pk}  # Olive is not consented
    acknowledged = [d for d in documents if d["acknowledged_by"]]
    assert sorted((d["acknowledged_by"]["display_name"], d["note"]) for d in acknowledged) == [
        ("", ""),
        ("Tess Trainer", 'Called, "fine"\nsee Monday'),
    ]
    both = Alert.objects.get(hold__isnull=False, stop_event__isnull=False)
    [document] = [d for d in documents if d["id"] == both.pk]
    assert (document["exercise"], document["intensity"]) == (both.hold.exercise.slug, both.hold.intensity)
    assert (document["pain"], document["stop_sign"]) == (both.stop_event.pain, both.stop_event.kind)


def test_an_empty_page_costs_no_query_for_its_sources(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert alert_selectors.alert_rows_with_sources([]) == []


def test_the_feed_answer_is_the_serializers_page_and_logs_every_client_shown(feed):
    trainer_api = bearer_client(feed.trainer)
    AccessLogEntry.objects.all().delete()

    response = trainer_api.get("/api/v1/trainer/alerts/", {"page_size": 3})
    second = trainer_api.get(response.json()["next"])

    alerts = list(alert_selectors.trainer_alerts(trainer=feed.trainer))
    body = response.json()
    assert response.status_code == 200 and body["previous"] is None
    assert response.content == rendered(
        {"next": body["next"], "previous": None, "results": AlertSerializer(alerts[:3], many=True).data}
    )
    assert second.json()["results"] == AlertSerializer(alerts[3:6], many=True).data
    shown = [{a.client_id for a in alerts[:3]}, {a.client_id for a in alerts[3:6]}]
    assert sorted(AccessLogEntry.objects.values_list("client_id", "resource")) == sorted(
        (client_id, "alerts") for page in shown for client_id in page
    )
    assert {feed.casey.pk, feed.blank.pk} == shown[0] | shown[1]


@pytest.mark.parametrize(
    "query",
    [{"acknowledged": "true"}, {"acknowledged": "false"}, {"kind": "stop_event"}, {"kind": "high_pain"}, {}],
)
def test_the_feeds_filters_pick_the_same_alerts_as_on_the_instances(feed, query):
    response = bearer_client(feed.trainer).get("/api/v1/trainer/alerts/", query)

    alerts = alert_selectors.trainer_alerts(trainer=feed.trainer)
    if "acknowledged" in query:
        alerts = alerts.filter(acknowledged_at__isnull=query["acknowledged"] == "false")
    if "kind" in query:
        alerts = alerts.filter(kind=query["kind"])
    assert response.status_code == 200
    assert response.json()["results"] == AlertSerializer(alerts, many=True).data
    assert response.json()["results"]


def test_the_feed_filtered_by_client_and_time_is_the_serializers_output(feed):
    since = timezone.now() - timedelta(days=2)

    response = bearer_client(feed.trainer).get(
        "/api/v1/trainer/alerts/", {"client": feed.blank.pk, "since": since.isoformat()}
    )

    alerts = alert_selectors.trainer_alerts(trainer=feed.trainer).filter(client=feed.blank, occurred_at__gte=since)
    assert response.status_code == 200
    assert response.json()["results"] == AlertSerializer(alerts, many=True).data
    assert {alert["kind"] for alert in response.json()["results"]} == {"stop_event", "high_pain", "escalation"}


def test_the_feed_with_nothing_to_show_logs_nothing(trainer, django_assert_num_queries):
    trainer_api = bearer_client(trainer)

    with django_assert_num_queries(2):  # token (1), the (empty) page of alerts
        response = trainer_api.get("/api/v1/trainer/alerts/")

    assert response.json() == {"next": None, "previous": None, "results": []}
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("page_size", [2, 8])
def test_the_feed_costs_the_same_queries_whatever_the_page_size(feed, django_assert_num_queries, page_size):
    trainer_api = bearer_client(feed.trainer)

    with django_assert_num_queries(4):  # token (1), the page of alerts, what they point at, the access log
        response = trainer_api.get("/api/v1/trainer/alerts/", {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


# The rule, on its own and at every door ---------------------------

LEFT_HOLD = HoldFacts("leg-swings", "left", 7, 3)


@pytest.mark.parametrize(
    ("hold", "stop_event", "shown"),
    [
        (LEFT_HOLD, None, AlertSource("leg-swings", "left", 7, 3, None)),
        (
            None,
            StopEventFacts("sharp-pain", "right", 8, LEFT_HOLD),
            AlertSource("leg-swings", "right", 7, 8, "sharp-pain"),
        ),
        (None, StopEventFacts("other", "", None, None), AlertSource(None, None, None, None, "other")),
        (
            HoldFacts("pnf-hamstring-stretch", "both", 9, None),
            StopEventFacts("dizziness", "", 5, LEFT_HOLD),
            AlertSource("pnf-hamstring-stretch", None, 9, 5, "dizziness"),
        ),
    ],
)  # fmt: skip
def test_what_an_alert_shows_of_its_source(hold, stop_event, shown):
    assert alert_source(hold=hold, stop_event=stop_event) == shown


def test_every_door_shows_an_alert_as_the_feed_does(feed):
    """The feed's documents (rows), the grouped feed and `/me/alerts/` (instances, through
    `AlertSourceFieldsMixin`) show the same source for each alert."""
    fields = ("exercise", "side", "intensity", "pain", "stop_sign")
    trainer_api = bearer_client(feed.trainer)
    feed_answer = trainer_api.get("/api/v1/trainer/alerts/").json()["results"]
    groups = trainer_api.get("/api/v1/trainer/alert-groups/", {"page_size": 100}).json()["results"]
    own = [
        alert
        for client in (feed.casey, feed.blank)
        for alert in bearer_client(client).get("/api/v1/me/alerts/", {"page_size": 200}).json()["results"]
    ]

    shown = {alert["id"]: tuple(alert[f] for f in fields) for alert in feed_answer}
    assert {reason["id"]: tuple(reason[f] for f in fields) for group in groups for reason in group["reasons"]} == shown
    assert {alert["id"]: tuple(alert[f] for f in fields) for alert in own} == shown
    assert len(set(shown.values())) > 5


@pytest.mark.parametrize("path", ["/api/v1/trainer/alerts/", "/api/v1/trainer/alert-groups/"])
def test_the_feeds_skip_their_filter_set_only_when_no_filter_is_asked(feed, path, monkeypatch):
    """`SkipsIdleFilters` on both feeds: the answers are the ones the filter set gives, asked or not."""
    from sessions.api.trainer import TrainerAlertGroupViewSet, TrainerAlertViewSet

    queries = ["", "page_size=2", "unknown=1", "acknowledged=false", "acknowledged=maybe", "kind=", "kind=high_pain",
               f"client={feed.blank.pk}", "since=nonsense"]  # fmt: skip
    api = bearer_client(feed.trainer)

    def answers() -> dict[str, tuple[int, bytes]]:
        got = {}
        for query in queries:
            response = api.get(f"{path}?{query}")
            got[query] = (response.status_code, re.sub(rb'"request_id":"[0-9a-f]+"', b"", response.content))
        return got

    short = answers()
    for view in (TrainerAlertViewSet, TrainerAlertGroupViewSet):
        monkeypatch.setattr(view, "filter_may_change", lambda self, backend, queryset: True)
    assert answers() == short
    assert short["acknowledged=maybe"][0] == short["since=nonsense"][0] == 400
    assert short[""][0] == short[f"client={feed.blank.pk}"][0] == 200
    assert short[""][1] != short[f"client={feed.blank.pk}"][1]
