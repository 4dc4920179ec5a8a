"""Export reads go to the `analytics` alias (a read replica) when it is the export database;
everything else, including the export's own record, stays on `default`.

The test settings define `analytics` as a test mirror of `default`: the same
database over its own connection, which sees only committed rows. So these
tests commit their data (outside pytest-django's per-test transaction) and
delete it afterwards, and close the mirror's connection so that the test
database can be dropped.
"""

import uuid
from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions.exports.datasets import ANALYST, ExportFilters
from sessions.exports.services import export_start
from sessions.models import ExportRecord, Hold, StretchSession, User
from stretchapi.db_routers import ANALYTICS, EXPORT_READ, AnalyticsRouter


@pytest.fixture
def committed_session(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        owner = User.objects.create_user(email=f"router-{uuid.uuid4().hex[:8]}@example.com", password="x" * 20)
        started = timezone.now() - timedelta(days=1)
        session = StretchSession.objects.create(
            id=uuid.uuid4(), owner=owner, started_at=started, goal="general_flexibility", content_hash="-"
        )
        from catalog.models import Exercise

        Hold.objects.create(
            session=session, exercise=Exercise.objects.get(slug="seated-hamstring-stretch"), side="both",
            position=1, held_seconds=30, intensity=5,
        )  # fmt: skip
        yield session
        ExportRecord.objects.filter(filters__since__isnull=False).delete()
        owner.delete()
        connections[ANALYTICS].close()


def test_exports_read_from_the_analytics_alias_and_write_their_record_to_default(committed_session, settings):
    settings.EXPORT_DATABASE = ANALYTICS
    filters = ExportFilters(since=committed_session.started_at, until=timezone.now())

    with (
        CaptureQueriesContext(connections[ANALYTICS]) as replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
    ):
        run = export_start(dataset="holds", fmt="ndjson", filters=filters, audience=ANALYST, user=None, via="api")
        body = b"".join(run.stream)

    assert str(committed_session.pk).encode() in body
    # One read of the holds (PostgreSQL's COPY, inside its own rolled-back transaction, or the iterator), no write.
    replica_sql = [q["sql"] for q in replica.captured_queries]
    assert len([sql for sql in replica_sql if "stretch_sessions_hold" in sql]) == 1
    assert not [sql for sql in replica_sql if sql.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert [q["sql"].split()[0] for q in primary.captured_queries] == ["INSERT", "UPDATE"]
    assert ExportRecord.objects.using(DEFAULT_DB_ALIAS).get(pk=run.record.pk).rows == 1


def test_without_a_replica_exports_read_default():
    router = AnalyticsRouter()

    assert router.db_for_read(Hold, **EXPORT_READ) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Hold) is None  # other reads: Django's default choice
    assert router.db_for_write(ExportRecord) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(ANALYTICS, "stretch_sessions") is False
