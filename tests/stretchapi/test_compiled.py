"""`stretchapi.compiled`: a query compiled once answers as its queryset does, for any values."""

import uuid
from datetime import UTC, datetime

import pytest

from sessions.models import IdempotencyRecord, StretchSession, User
from stretchapi.compiled import CompiledQuery, Loader

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 3, 1, 7, 30, 15, 123456, tzinfo=UTC)


def sessions_of(owner_id: int, goal: str):
    return StretchSession.objects.filter(owner=owner_id, goal=goal).order_by("started_at")


COLUMNS = ("id", "started_at", "deleted_at")


def test_rows_are_the_querysets_for_each_set_of_values(client_user, other_client, django_assert_num_queries):
    for owner, goal, minute in [(client_user, "general_flexibility", 1), (client_user, "post_workout_recovery", 2),
                                (other_client, "post_workout_recovery", 3)]:  # fmt: skip
        StretchSession.objects.create(
            id=uuid.uuid4(), owner=owner, goal=goal, started_at=STARTED.replace(minute=minute)
        )
    query = CompiledQuery(lambda owner_id, goal: sessions_of(owner_id, goal).values_list(*COLUMNS),
                          owner_id=-7_001, goal="\0goal")  # fmt: skip

    for owner in (client_user, other_client):
        for goal in ("post_workout_recovery", "general_flexibility"):
            with django_assert_num_queries(1):
                rows = query.rows(owner_id=owner.pk, goal=goal)
            # the same values, converted as the ORM converts them (SQLite's text times become aware datetimes)
            assert rows == list(sessions_of(owner.pk, goal).values_list(*COLUMNS))
    assert query.rows(owner_id=client_user.pk, goal="post_workout_recovery")[0][1] == STARTED.replace(minute=2)


def test_a_placeholder_the_query_does_not_carry_is_an_error():
    query = CompiledQuery(lambda owner_id: StretchSession.objects.filter(owner=7).values_list("id"), owner_id=-7_001)

    with pytest.raises(ValueError, match="owner_id"):
        query.rows(owner_id=7)


def test_the_values_given_must_be_the_placeholders():
    query = CompiledQuery(
        lambda owner_id: sessions_of(owner_id, "post_workout_recovery").values_list("id"), owner_id=-7_001
    )

    with pytest.raises(TypeError):
        query.rows(owner=7)


def test_loaded_instances_are_those_the_orm_loads(client_user):
    IdempotencyRecord.objects.create(user=client_user, key="k1", method="POST", path="/p", request_hash="h",
                                     status_code=201, response_body={"a": [1, "é"]})  # fmt: skip
    loader = Loader(IdempotencyRecord, user=User)
    query = CompiledQuery(
        lambda key: IdempotencyRecord.objects.filter(key=key).values_list(*loader.columns()), key="\0"
    )

    (row,) = query.rows(key="k1")
    ours, theirs = (
        loader.load(row, using=query.database),
        IdempotencyRecord.objects.select_related("user").get(key="k1"),
    )

    fields = [f.attname for f in IdempotencyRecord._meta.concrete_fields]
    assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
    assert ours.response_body == {"a": [1, "é"]} and not ours._state.adding
    assert ours.user == client_user and ours.user.email == client_user.email  # loaded with it: no query


def test_a_uuid_placeholder_takes_any_uuid_on_either_database(client_user):
    """A UUID goes in as the ORM writes it on each database: itself on PostgreSQL, its hex on SQLite."""
    ids = [uuid.uuid4() for _ in range(3)]
    for minute, session_id in enumerate(ids):
        StretchSession.objects.create(id=session_id, owner=client_user, goal="general_flexibility",
                                      started_at=STARTED.replace(minute=minute))  # fmt: skip
    query = CompiledQuery(
        lambda a, b: (
            StretchSession.objects.filter(id__in=[a, b]).order_by("started_at").values_list("id", "started_at")
        ),
        a=uuid.UUID(int=1),
        b=uuid.UUID(int=2),
    )

    assert query.rows(a=ids[2], b=ids[0]) == [(ids[0], STARTED.replace(minute=0)), (ids[2], STARTED.replace(minute=2))]
    assert query.rows(a=ids[1], b=uuid.uuid4()) == [(ids[1], STARTED.replace(minute=1))]


def test_a_reading_gives_the_querys_rows_read_inside_another_statement_or_on_its_own(client_user, other_client):
    import orjson
    from django.db import connection

    from sessions.models import WebhookEndpoint

    for owner, types in [(client_user, ["session.uploaded"]), (client_user, []), (other_client, ["a", {"b": 1.5}])]:
        WebhookEndpoint.objects.create(owner=owner, url="https://example.com/h", event_types=types, secret="s")
    query = CompiledQuery(
        lambda owner_id: (
            WebhookEndpoint.objects.filter(owner=owner_id)
            .order_by("pk")
            .values_list("pk", "event_types", "url", "owner__is_active")
        ),
        owner_id=-7_001,
    )

    for owner in (client_user, other_client, None):
        expected = query.rows(owner_id=owner.pk if owner else 0)
        alone = query.reading(owner_id=owner.pk if owner else 0)
        assert alone.rows == expected  # read on its own when nobody read it
        if connection.vendor == "postgresql":
            inside = query.reading(owner_id=owner.pk if owner else 0)
            sql, params = inside.sql()
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT 1, ({sql})::text", params)
                inside.take(orjson.loads(cursor.fetchone()[1]))
            assert inside.rows == expected
    assert len(query.rows(owner_id=client_user.pk)) == 2


def test_a_reading_refuses_a_column_json_would_change():
    query = CompiledQuery(
        lambda owner_id: StretchSession.objects.filter(owner=owner_id).values_list("owner_id", "started_at"),
        owner_id=-7_001,
    )

    with pytest.raises(ValueError, match="DateTimeField"):
        query.reading(owner_id=1).sql()
