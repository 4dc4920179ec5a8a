"""`stretchapi.bulk.bulk_insert` stores the very rows `bulk_create` stores (on PostgreSQL it takes its own path)."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import orjson
import pytest
from django.db import IntegrityError, connection, transaction

from catalog.models import Exercise
from sessions.models import Alert, Hold, Measurement, StopEvent, StretchSession
from stretchapi.bulk import Builder, bulk_insert

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 3, 1, 7, 30, 15, 123456, tzinfo=UTC)


def stored(model, pks) -> list[dict]:
    """Every column of the rows, read back, in the order of `pks`."""
    rows = model.objects.in_bulk(pks)
    return [{f.attname: getattr(rows[pk], f.attname) for f in model._meta.concrete_fields} for pk in pks]


def session(owner, **fields) -> StretchSession:
    fields.setdefault("id", uuid.uuid4())  # chosen by the phone: no default
    return StretchSession(
        owner=owner, started_at=STARTED, goal="general_flexibility", notes="Zoë said “enough” — 😊", **fields
    )


def holds(session_row: StretchSession, exercise: Exercise) -> list[Hold]:
    plus_two = timezone(timedelta(hours=2))
    return [
        Hold(session=session_row, exercise=exercise, side="left", position=1, held_seconds=30, intensity=7,
             started_at=STARTED.astimezone(plus_two), above_target=True, outside_dose_phases="contract,relax"),
        Hold(session=session_row, exercise=exercise, side="right", position=2, held_seconds=25, intensity=0,
             pain=10, target_seconds=None, contract_seconds=5, started_at=None),
    ]  # fmt: skip


def test_the_rows_are_those_bulk_create_stores(client_user):
    exercise = Exercise.objects.get(slug="assisted-lying-hamstring-stretch")
    ours, theirs = session(client_user, ended_at=STARTED + timedelta(minutes=30)), session(client_user)
    bulk_insert(StretchSession, [ours])
    StretchSession.objects.bulk_create([theirs])
    our_holds, their_holds = holds(ours, exercise), holds(theirs, exercise)
    bulk_insert(Hold, our_holds)
    Hold.objects.bulk_create(their_holds)
    values = [Decimal("72.5"), Decimal("-3.5")]
    our_measures, their_measures = (
        [Measurement(session=s, kind="sit_and_reach", value=v, unit="cm", measured_at=STARTED) for v in values]
        for s in (ours, theirs)
    )
    bulk_insert(Measurement, our_measures)
    Measurement.objects.bulk_create(their_measures)

    def without(rows, *names):
        return [{k: v for k, v in row.items() if k not in names} for row in rows]

    ignored = ("id", "session_id", "created_at", "updated_at")
    assert without(stored(StretchSession, [ours.pk]), *ignored, "ended_at") == without(
        stored(StretchSession, [theirs.pk]), *ignored, "ended_at"
    )
    assert stored(StretchSession, [ours.pk])[0]["ended_at"] == STARTED + timedelta(minutes=30)
    assert ours.created_at is not None and abs(ours.created_at - theirs.created_at) < timedelta(minutes=1)
    assert without(stored(Hold, [h.pk for h in our_holds]), *ignored) == without(
        stored(Hold, [h.pk for h in their_holds]), *ignored
    )
    assert [row["value"] for row in stored(Measurement, [m.pk for m in our_measures])] == values
    assert [m._state.adding for m in (ours, *our_holds, *our_measures)] == [False] * 5


def test_auto_keys_come_back_in_order(client_user):
    row = session(client_user)
    bulk_insert(StretchSession, [row])
    first, second = holds(row, Exercise.objects.get(slug="assisted-lying-hamstring-stretch"))
    bulk_insert(Hold, [first, second])
    alerts = [
        Alert(client=client_user, session=row, hold=hold, kind=kind, occurred_at=STARTED + timedelta(seconds=n))
        for n, (hold, kind) in enumerate(
            [(second, "high_pain"), (first, "above_target"), (first, "high_pain"), (second, "above_target")]
        )
    ]

    bulk_insert(Alert, alerts)

    assert all(alert.pk is not None for alert in alerts)
    assert [(a.hold_id, a.kind) for a in Alert.objects.filter(pk__in=[a.pk for a in alerts]).order_by("pk")] == [
        (a.hold_id, a.kind) for a in alerts
    ]
    assert alerts[0].created_at is not None


def test_a_taken_key_is_an_integrity_error(client_user):
    row = session(client_user)
    bulk_insert(StretchSession, [row])
    twin = session(client_user, id=row.pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(StretchSession, [twin])

    assert StretchSession.objects.filter(pk=row.pk).count() == 1


def test_nothing_to_insert_sends_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk_insert(Hold, []) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes bulk_create's path")
def test_postgresql_sends_one_statement(client_user, django_assert_num_queries):
    row = session(client_user, id=uuid.uuid4())

    with django_assert_num_queries(1) as captured:
        bulk_insert(StretchSession, [row])

    assert "jsonb_populate_recordset" in captured.captured_queries[0]["sql"]


def test_a_built_instance_is_the_one_the_keyword_path_builds(client_user):
    exercise = Exercise.objects.get(slug="assisted-lying-hamstring-stretch")
    row = session(client_user)
    values = {"position": 3, "side": "left", "held_seconds": 30, "intensity": 7, "pain": None, "started_at": STARTED}
    build = Builder(Hold)

    ours, theirs = build(session=row, exercise=exercise, **values), Hold(session=row, exercise=exercise, **values)

    columns = [f.attname for f in Hold._meta.concrete_fields if f.attname != "id"]
    assert [getattr(ours, c) for c in columns] == [getattr(theirs, c) for c in columns]
    assert isinstance(ours.id, uuid.UUID) and ours.id != theirs.id  # each takes its own default
    assert ours.session is row and ours.exercise is exercise and ours._state.adding
    assert build(session_id=row.pk, exercise=None, position=1).exercise_id is None
    with pytest.raises(TypeError, match="held_secs"):
        build(session=row, held_secs=30)


def test_a_plain_model_is_built_without_init_and_the_same(client_user):
    exercise = Exercise.objects.get(slug="assisted-lying-hamstring-stretch")
    row = session(client_user)
    build = Builder(Hold)
    values = {"id": uuid.uuid4(), "position": 1, "side": "right", "held_seconds": 20, "intensity": 4}

    ours, theirs = build(session=row, exercise=exercise, **values), Hold(session=row, exercise=exercise, **values)

    assert build.plain  # the upload's holds take the direct path
    assert {k: v for k, v in vars(ours).items() if k != "_state"} == {
        k: v for k, v in vars(theirs).items() if k != "_state"
    }
    assert (ours._state.adding, ours._state.db, ours._state.fields_cache) == (True, None, theirs._state.fields_cache)


def test_a_model_someone_listens_to_is_built_by_init(client_user):
    from django.db.models.signals import post_init

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Hold)
    try:
        hold = Builder(Hold)(session=session(client_user), position=1)
    finally:
        post_init.disconnect(receiver, sender=Hold)

    assert seen == [hold]


def test_a_maker_asks_once_whether_anyone_listens(client_user, monkeypatch):
    from django.db.models.signals import post_init, pre_init

    build, row, asked = Builder(Hold), session(client_user), []
    for signal in (pre_init, post_init):
        monkeypatch.setattr(signal, "has_listeners", lambda sender, asked=asked: asked.append(sender) or False)

    make = build.maker()
    holds = [make(session=row, position=n) for n in range(1, 41)]

    assert asked == [Hold, Hold]  # pre_init and post_init, once for the 40
    assert [h.position for h in holds] == list(range(1, 41)) and all(h.session is row for h in holds)


def test_a_maker_made_while_someone_listens_builds_by_init(client_user):
    from django.db.models.signals import pre_init

    seen = []

    def receiver(sender, args, kwargs, **_):
        seen.append(sender)

    pre_init.connect(receiver, sender=Hold)
    try:
        make = Builder(Hold).maker()
        make(session=session(client_user), position=1)
        make(session=session(client_user), position=2)
    finally:
        pre_init.disconnect(receiver, sender=Hold)

    assert seen == [Hold, Hold]


def test_uuid4s_are_what_uuid4_makes_of_the_same_bytes(monkeypatch):
    from stretchapi.bulk import uuid4s

    raw = bytes(range(256)) * 2 + b"\xff" * 16 * 8 + b"\x00" * 16 * 8
    monkeypatch.setattr("os.urandom", lambda n: raw[:n])

    ours = uuid4s(len(raw) // 16)

    theirs = [uuid.UUID(bytes=raw[i : i + 16], version=4) for i in range(0, len(raw), 16)]
    assert ours == theirs
    assert [(u.int, u.is_safe, str(u), hash(u)) for u in ours] == [(u.int, u.is_safe, str(u), hash(u)) for u in theirs]
    assert all(u.version == 4 and u.variant == uuid.RFC_4122 for u in ours)


def test_uuid4s_are_random_and_new():
    from stretchapi.bulk import uuid4s

    made = uuid4s(1000)

    assert len(set(made)) == 1000 and uuid4s(0) == []
    assert all(type(u) is uuid.UUID and u.version == 4 and uuid.UUID(str(u)) == u for u in made)


def test_a_taken_key_is_left_out_when_conflicts_are_ignored(client_user):
    from sessions.models import IdempotencyRecord

    def record(body):
        return IdempotencyRecord(
            user=client_user, key="k", method="POST", path="/p", request_hash="h", status_code=201, response_body=body
        )

    bulk_insert(IdempotencyRecord, [record({"first": ["é", 1.5, None]})], ignore_conflicts=True)
    bulk_insert(IdempotencyRecord, [record({"second": True})], ignore_conflicts=True)

    assert list(IdempotencyRecord.objects.values_list("response_body", flat=True)) == [{"first": ["é", 1.5, None]}]


def test_a_batch_that_ignores_conflicts_goes_in_with_the_key_and_leaves_a_taken_row_out(client_user):
    from sessions.models import IdempotencyRecord
    from stretchapi.bulk import Batch, insert_unless_taken

    def record(key, body):
        return IdempotencyRecord(
            user=client_user, key=key, method="POST", path="/p", request_hash="h", status_code=201, response_body=body
        )

    bulk_insert(IdempotencyRecord, [record("taken", {"first": True})])
    row = session(client_user)
    kept, late = record("new", {"n": 1}), record("taken", {"second": True})
    ours = holds(row, Exercise.objects.get(slug="assisted-lying-hamstring-stretch"))
    alert = Alert(client=client_user, session=row, hold=ours[0], kind="high_pain", occurred_at=STARTED)

    # the batch ignoring conflicts has an auto key, and is not last: it returns no keys, the alerts do
    assert insert_unless_taken(
        row, (Hold, ours), Batch(IdempotencyRecord, [kept, late], ignore_conflicts=True), (Alert, [alert])
    )

    assert dict(IdempotencyRecord.objects.values_list("key", "response_body")) == {
        "taken": {"first": True},
        "new": {"n": 1},
    }
    assert Alert.objects.get(pk=alert.pk).session_id == row.pk
    assert not kept._state.adding and not late._state.adding  # marked stored, as bulk_create marks them
    with pytest.raises(IntegrityError), transaction.atomic():  # without ignoring conflicts: the insert fails
        insert_unless_taken(session(client_user), (IdempotencyRecord, [record("taken", {"third": True})]))


def test_a_batch_goes_in_only_with_its_key(client_user):
    from sessions.models import IdempotencyRecord
    from stretchapi.bulk import Batch, insert_unless_taken

    row = session(client_user)
    bulk_insert(StretchSession, [row])
    again = StretchSession(**{f.attname: getattr(row, f.attname) for f in StretchSession._meta.concrete_fields})
    record = IdempotencyRecord(
        user=client_user, key="k", method="POST", path="/p", request_hash="h", status_code=201, response_body={}
    )

    assert insert_unless_taken(again, Batch(IdempotencyRecord, [record], ignore_conflicts=True)) is False

    assert not IdempotencyRecord.objects.exists()
    assert record._state.adding  # not stored


def test_a_json_field_given_as_its_text_stores_the_value_it_writes(client_user):
    from sessions.models import IdempotencyRecord
    from stretchapi.bulk import JSONText, insert_unless_taken

    value = {"holds": [{"id": str(uuid.uuid4()), "value": 72.5, "note": "Zoë \u2028 “enough”"}], "n": None}
    text = orjson.dumps(value)

    def record(key, body):
        return IdempotencyRecord(
            user=client_user, key=key, method="POST", path="/p", request_hash="h", status_code=201, response_body=body
        )

    bulk_insert(IdempotencyRecord, [record("a", JSONText(text)), record("b", value)])
    row = session(client_user)
    insert_unless_taken(row, (IdempotencyRecord, [record("c", JSONText(text))]))

    stored_bodies = dict(IdempotencyRecord.objects.values_list("key", "response_body"))
    assert stored_bodies == {"a": value, "b": value, "c": value}


def test_several_tables_in_one_statement_are_the_rows_of_separate_inserts(client_user, django_assert_num_queries):
    from stretchapi.bulk import bulk_insert_all

    exercise = Exercise.objects.get(slug="assisted-lying-hamstring-stretch")
    row = session(client_user)
    bulk_insert(StretchSession, [row])
    ours = holds(row, exercise)
    measures = [Measurement(session=row, kind="sit_and_reach", value=Decimal("12.5"), unit="cm", measured_at=STARTED)]
    alerts = [Alert(client=client_user, session=row, hold=ours[1], kind="high_pain", occurred_at=STARTED)]

    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 3):
        bulk_insert_all((Hold, ours), (StopEvent, []), (Measurement, measures), (Alert, alerts))

    assert [h.pk for h in Hold.objects.filter(session=row).order_by("position")] == [h.pk for h in ours]
    assert Measurement.objects.get(session=row).value == Decimal("12.5")
    assert alerts[0].pk is not None and Alert.objects.get(pk=alerts[0].pk).hold_id == ours[1].pk
    assert not any(obj._state.adding for obj in (*ours, *measures, *alerts))


def test_one_bad_row_of_several_tables_stores_none_of_them(client_user):
    from stretchapi.bulk import bulk_insert_all

    row = session(client_user)
    bulk_insert(StretchSession, [row])
    good = Measurement(session=row, kind="sit_and_reach", value=Decimal("1.0"), unit="cm", measured_at=STARTED)
    bad = Hold(session=row, exercise=Exercise.objects.first(), side="left", position=1, held_seconds=30, intensity=11)

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert_all((Measurement, [good]), (Hold, [bad]))

    assert (Measurement.objects.filter(session=row).count(), Hold.objects.filter(session=row).count()) == (0, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite inserts each batch apart")
def test_only_the_last_batch_may_have_an_auto_key(client_user):
    from stretchapi.bulk import bulk_insert_all

    row = session(client_user)
    alert = Alert(client=client_user, session=row, kind="high_pain", occurred_at=STARTED)

    with pytest.raises(ValueError, match="last batch"):
        bulk_insert_all((Alert, [alert]), (StretchSession, [row]))


def test_a_new_key_is_inserted_with_its_rows_in_one_statement(client_user, django_assert_num_queries):
    from stretchapi.bulk import insert_unless_taken

    exercise = Exercise.objects.get(slug="assisted-lying-hamstring-stretch")
    row = session(client_user)
    ours = holds(row, exercise)
    measures = [Measurement(session=row, kind="sit_and_reach", value=Decimal("12.5"), unit="cm", measured_at=STARTED)]
    alerts = [
        Alert(client=client_user, session=row, hold=hold, kind=kind, occurred_at=STARTED)
        for hold, kind in ((ours[1], "high_pain"), (ours[1], "above_target"), (ours[0], "high_pain"))
    ]

    # on SQLite: savepoint, session, release, then a statement a table with rows
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 6):
        inserted = insert_unless_taken(row, (Hold, ours), (StopEvent, []), (Measurement, measures), (Alert, alerts))

    assert inserted is True
    assert StretchSession.objects.filter(pk=row.pk).exists()
    assert [h.pk for h in Hold.objects.filter(session=row).order_by("position")] == [h.pk for h in ours]
    assert Measurement.objects.get(session=row).value == Decimal("12.5")
    keys = [alert.pk for alert in alerts]
    assert None not in keys and len(set(keys)) == 3
    assert [(a.hold_id, a.kind) for a in (Alert.objects.get(pk=pk) for pk in keys)] == [
        (ours[1].pk, "high_pain"),
        (ours[1].pk, "above_target"),
        (ours[0].pk, "high_pain"),
    ]
    assert not any(obj._state.adding for obj in (row, *ours, *measures, *alerts))


def test_a_taken_key_writes_none_of_the_rows(client_user, django_assert_num_queries):
    from stretchapi.bulk import insert_unless_taken

    exercise = Exercise.objects.get(slug="assisted-lying-hamstring-stretch")
    first = session(client_user, partner_name="first")
    bulk_insert(StretchSession, [first])
    twin = session(client_user, id=first.id, partner_name="second")
    ours = holds(twin, exercise)
    alerts = [Alert(client=client_user, session=twin, hold=ours[0], kind="high_pain", occurred_at=STARTED)]

    # on SQLite: savepoint, session (refused), rollback to and release of the savepoint, the key looked up
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 5):
        inserted = insert_unless_taken(twin, (Hold, ours), (Alert, alerts))

    assert inserted is False
    assert StretchSession.objects.get(pk=first.id).partner_name == "first"
    assert (Hold.objects.count(), Alert.objects.count()) == (0, 0)
    assert alerts[0].pk is None
    assert all(obj._state.adding for obj in (twin, *ours, *alerts))


def test_a_taken_key_with_no_rows_is_told(client_user):
    from stretchapi.bulk import insert_unless_taken

    row = session(client_user)

    assert insert_unless_taken(row) is True
    assert insert_unless_taken(session(client_user, id=row.id)) is False
    assert StretchSession.objects.filter(pk=row.id).count() == 1


def test_a_bad_row_with_a_new_key_stores_nothing(client_user):
    from stretchapi.bulk import insert_unless_taken

    row = session(client_user)
    bad = Hold(session=row, exercise=Exercise.objects.first(), side="left", position=1, held_seconds=30, intensity=11)

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_unless_taken(row, (Hold, [bad]))

    assert not StretchSession.objects.filter(pk=row.id).exists()
    assert not Hold.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite inserts each batch apart")
def test_only_the_last_batch_after_the_key_may_have_an_auto_key(client_user):
    from stretchapi.bulk import insert_unless_taken

    row = session(client_user)
    alert = Alert(client=client_user, session=row, kind="high_pain", occurred_at=STARTED)
    measure = Measurement(session=row, kind="sit_and_reach", value=Decimal("1"), unit="cm", measured_at=STARTED)

    with pytest.raises(ValueError, match="last batch"):
        insert_unless_taken(row, (Alert, [alert]), (Measurement, [measure]))
