"""The compiled upload check (sessions/api/upload_shape.py) and SessionUploadSerializer agree.

The fast path may only say yes where the serializer says yes, with the same
validated data (key for key, in order); where it steps aside, the serializer
answers, so a refused upload gets the serializer's own problems, paths and
codes. Checked over the upload corpus of the test suite and bodies generated
by hypothesis around it.
"""

import copy
import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.api.serializers.logbook import SessionUploadSerializer
from sessions.api.upload_shape import upload_validated
from tests.sessions.payloads import session_payload, stop_event
from tests.sessions.test_upload_validation import BAD_UPLOADS

pytestmark = pytest.mark.django_db


def ordered(value):
    """Dicts as lists of pairs, so that key order counts too."""
    if isinstance(value, dict):
        return [(key, ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [ordered(item) for item in value]
    return value


def as_json(body) -> dict:
    return json.loads(json.dumps(body))  # what the parser hands the view


def judge(body) -> tuple[dict | None, SessionUploadSerializer]:
    fast = upload_validated(copy.deepcopy(body))
    serializer = SessionUploadSerializer(data=copy.deepcopy(body))
    serializer.is_valid()
    return fast, serializer


def assert_agree(body) -> dict | None:
    fast, serializer = judge(body)
    if fast is not None:
        assert not serializer.errors, serializer.errors
        assert ordered(fast) == ordered(serializer.validated_data)
    return fast


def valid_bodies() -> list[dict]:
    full = session_payload(holds=6)
    full["stop_events"] = [stop_event(full["started_at"], hold_index=1, id=str(uuid.uuid4()))]
    full["holds"][0].update(id=str(uuid.uuid4()), set_number=2, target_seconds=30, pain=None, contract_seconds=None)
    minimal = {"id": str(uuid.uuid4()), "started_at": "2026-11-23T07:30:00+01:00", "goal": "rehab_control"}
    defaults_left_out = session_payload(holds=3)
    for key in ("outcome", "assisted_by", "stop_events", "measurements", "ended_at"):
        defaults_left_out.pop(key)
    for hold in defaults_left_out["holds"]:
        hold.pop("started_at")
    nulls = session_payload(holds=2, ended_at=None, trainer_id=None)
    nulls["holds"][1].update(pain=None, target_seconds=None, started_at=None)
    measured = session_payload(holds=2)
    at = measured["measurements"][0]["measured_at"]
    measured["measurements"] += [
        {"id": str(uuid.uuid4()), "kind": "straight_leg_raise", "side": "right", "value": 80, "unit": "deg",
         "measured_at": at},
        {"kind": "sit_and_reach", "value": -3.5, "unit": "cm", "zero_offset_cm": 23, "measured_at": at},
        {"kind": "sit_and_reach", "side": None, "value": 4, "unit": "cm", "zero_offset_cm": None, "measured_at": at},
    ]  # fmt: skip
    bodies = (session_payload(holds=40), full, minimal, defaults_left_out, nulls, measured)
    return [as_json(body) for body in bodies]


@pytest.mark.parametrize("index", range(6))
def test_the_fast_path_accepts_the_valid_corpus_with_the_serializers_data(index):
    body = valid_bodies()[index]

    assert assert_agree(body) is not None


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_zero_offset_is_left_to_the_serializer_which_reads_it_as_null(blank):
    body = next(b for b in valid_bodies() if any("zero_offset_cm" in m for m in b.get("measurements", [])))
    index = next(i for i, m in enumerate(body["measurements"]) if "zero_offset_cm" in m)
    body["measurements"][index]["zero_offset_cm"] = blank

    fast, serializer = judge(body)

    assert fast is None
    assert not serializer.errors, serializer.errors
    assert serializer.validated_data["measurements"][index]["zero_offset_cm"] is None


@pytest.mark.parametrize(("spoil", "expected_errors"), BAD_UPLOADS)
def test_the_fast_path_steps_aside_for_every_bad_upload_of_the_corpus(spoil, expected_errors):
    body = session_payload(holds=4)
    spoil(body)
    body = as_json(body)

    fast, serializer = judge(body)

    if serializer.errors:  # refused by shape: the serializer must be the one to say so
        assert fast is None
    else:  # refused later by the domain rules: both pass it on alike
        assert ordered(fast) == ordered(serializer.validated_data)


# Hypothesis: valid bodies with one or more values replaced by a value of a troublesome kind.
ODD_VALUES = st.one_of(
    st.integers(min_value=0, max_value=10),  # in range for most integer fields
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=700),
    st.sampled_from([2**63, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from([5.0, 0.0, 30.0, 72.55, 0.05, 1e-07, -3.5, 999.9, 1000.0, 10000.5]),
    st.text(max_size=6),
    st.sampled_from(
        ["", " ", " left", "left ", "left", "right", "both", "partner", "self", "completed", "deg", "cm",
         "general_flexibility", "assisted-lying-hamstring-stretch", "sharp-pain", "eased_off", "a\x00b",
         "sit_and_reach", "straight_leg_raise", "72.5",
         "x" * 81, "2026-11-23T07:30:00Z", "2026-11-23T07:30:00", "2026-13-01T00:00:00Z",
         "7d1c8e4a3b9f4c2e9a510f6b2d8e4c11",
         "{7d1c8e4a-3b9f-4c2e-9a51-0f6b2d8e4c11}", "7d1c8e4a-3b9f-4c2e-9a51-0f6b2d8e4c1", "1.4.0"]
    ),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["exercise", "side", "x"]), st.integers(0, 3), max_size=2),
)  # fmt: skip
SESSION_KEYS = [
    "id", "started_at", "ended_at", "goal", "outcome", "assisted_by", "trainer_id", "partner_name", "notes",
    "app_version", "holds", "stop_events", "measurements", "colour",
]  # fmt: skip
HOLD_KEYS = [
    "id", "exercise", "side", "set_number", "target_seconds", "held_seconds", "intensity", "pain",
    "contract_seconds", "relax_seconds", "assisted_hold_seconds", "started_at", "colour",
]  # fmt: skip
MEASUREMENT_KEYS = ["id", "kind", "side", "value", "unit", "zero_offset_cm", "measured_at", "colour"]
MISSING = object()


SMALL_BODIES = [body for body in valid_bodies() if len(body.get("holds", [])) <= 6]  # the 40-hold one: above


@st.composite
def spoiled_bodies(draw):
    body = copy.deepcopy(draw(st.sampled_from(SMALL_BODIES)))
    for _ in range(draw(st.sampled_from([0, 1, 1, 2]))):
        value = draw(st.one_of(ODD_VALUES, st.just(MISSING)))
        where = draw(st.sampled_from(["holds", "measurements", "session"]))
        rows = body.get(where)
        if isinstance(rows, list) and rows:
            keys = HOLD_KEYS if where == "holds" else MEASUREMENT_KEYS
            target, key = draw(st.sampled_from(rows)), draw(st.sampled_from(keys))
            if not isinstance(target, dict):
                continue
        else:
            target, key = body, draw(st.sampled_from(SESSION_KEYS))
        if value is MISSING:
            target.pop(key, None)
        else:
            target[key] = value
    return body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spoiled_bodies())
def test_generated_bodies_get_the_same_answer(body):
    fast, serializer = judge(body)

    if fast is not None:
        assert not serializer.errors, serializer.errors
        assert ordered(fast) == ordered(serializer.validated_data)
    elif not serializer.errors:
        # The fast path stepped aside from a body the serializer takes: only for what DRF would change
        # (strings it trims, and a blank string a nullable decimal reads as null) — never for a plain
        # valid body.
        texts = [v for v in _values(body) if isinstance(v, str)]
        assert any(t != t.strip() or "\x00" in t or not t.strip() for t in texts), body


def _values(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)
    else:
        yield value
