"""Export parameters are read strictly, before a byte is streamed: a 400 naming the parameter.

Times go through `stretchapi.inputs` (years 2000–2100, offsets resolved), a trainer's ids through
`parse_id` (ASCII digits that fit a 64-bit key); an analyst's people are pseudonyms.
"""

from __future__ import annotations

import pytest

from sessions.models import ExportRecord
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

THIRTY_DIGITS = "9" * 30
CASES = [
    pytest.param({"since": "9999-12-30", "until": "9999-12-31"}, {"since", "until"}, id="days-in-year-9999"),
    pytest.param({"since": "1999-12-31"}, {"since"}, id="day-before-2000"),
    pytest.param({"since": "0001-01-01T00:00:00+01:00"}, {"since"}, id="year-one-minus-an-hour"),
    pytest.param({"since": "9999-12-31T23:59:59-23:59"}, {"since"}, id="year-9999-plus-a-day"),
    pytest.param({"since": "2026-01-01", "until": "2101-01-01T00:00:00Z"}, {"until"}, id="until-2101"),
    pytest.param({"since": "2026-01-01", "client": "²"}, {"client"}, id="client-superscript-two"),
    pytest.param({"since": "2026-01-01", "client": "１"}, {"client"}, id="client-fullwidth-one"),
    pytest.param({"since": "2026-01-01", "client": THIRTY_DIGITS}, {"client"}, id="client-thirty-digits"),
    pytest.param({"since": "2026-01-01", "trainer": THIRTY_DIGITS}, {"trainer"}, id="trainer-thirty-digits"),
    pytest.param({"since": "2026-01-01", "trainer": "²"}, {"trainer"}, id="trainer-superscript-two"),
]


@pytest.mark.parametrize("who", ["trainer", "analyst"])
@pytest.mark.parametrize(("params", "fields"), CASES)
def test_an_export_parameter_that_cannot_be_read_is_a_400_naming_it_before_any_stream(world, who, params, fields):
    response = bearer_client(getattr(world, who)).get("/api/v1/exports/holds/", params)

    assert response.status_code == 400
    assert not response.streaming
    assert response["Content-Type"] == "application/problem+json"
    assert {error["field"] for error in response.json()["errors"]} == fields
    assert not ExportRecord.objects.exists()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"since": "9999-12-31T23:59:59-23:59"}, "too_late"),
        ({"since": "0001-01-01T00:00:00+01:00"}, "too_early"),
        ({"since": "2026-01-01", "client": "²"}, "invalid"),
        ({"since": "2026-01-01", "trainer": THIRTY_DIGITS}, "max_value"),
    ],
)
def test_a_trainers_export_parameter_is_refused_with_the_readers_code(world, params, code):
    response = bearer_client(world.trainer).get("/api/v1/exports/holds/", params)

    assert [error["code"] for error in response.json()["errors"]] == [code]


def test_an_export_from_2000_to_the_end_of_2100_is_refused_only_for_its_span(world):
    response = bearer_client(world.analyst).get(
        "/api/v1/exports/holds/", {"since": "2000-01-01", "until": "2100-12-31"}
    )

    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("until", "span_too_wide")]
