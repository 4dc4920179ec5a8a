"""The read-only catalog API."""

import pytest
from django.urls import reverse

from catalog.models import Exercise, StopSign
from catalog.services import catalog_version_bump
from tests.factories import exercise_factory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/exercises/"
PARTNER_STRETCHES = {
    "assisted-lying-hamstring-stretch",
    "shoulder-supported-hamstring-stretch",
    "seated-single-leg-partner-push-stretch",
    "standing-crossed-feet-hamstring-stretch",
    "standing-crossed-feet-wrist-pull-stretch",
    "heel-hold-assisted-hamstring-stretch",
    "pnf-hamstring-stretch",
    "partner-quad-stretch",
    "partner-chest-stretch",
    "assisted-lying-gluteus-maximus-stretch",
}


def slugs(response) -> set[str]:
    return {item["slug"] for item in response.json()["results"]}


def test_list_is_paginated_compact_and_ordered_by_name(api_client):
    response = api_client.get(LIST, {"page_size": 5})

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 19
    assert len(body["results"]) == 5
    names = [item["name"] for item in body["results"]]
    assert names == sorted(names)
    assert set(body["results"][0]) == {
        "slug", "name", "summary", "difficulty", "position", "technique", "assistance", "laterality",
        "body_region", "primary_muscles", "required_equipment", "target_intensity", "goals", "use_cases",
    }  # fmt: skip


def test_page_size_is_capped_at_one_hundred(api_client):
    for _ in range(85):
        exercise_factory()

    response = api_client.get(LIST, {"page_size": 1000})

    assert len(response.json()["results"]) == 100


def test_muscle_filter_lists_the_hamstring_stretches(api_client):
    response = api_client.get(LIST, {"muscle": "biceps-femoris", "page_size": 100})

    found = slugs(response)
    assert (
        PARTNER_STRETCHES - {"partner-quad-stretch", "partner-chest-stretch", "assisted-lying-gluteus-maximus-stretch"}
        <= found
    )
    assert {"hamstring-anchor-stretch", "seated-hamstring-stretch", "lying-hamstring-stretch"} <= found
    assert "partner-chest-stretch" not in found
    assert "jumping-jacks" not in found


def test_muscle_role_any_adds_exercises_where_the_muscle_is_secondary(api_client):
    primary = slugs(api_client.get(LIST, {"muscle": "gastrocnemius", "page_size": 100}))
    anywhere = slugs(api_client.get(LIST, {"muscle": "gastrocnemius", "muscle_role": "any", "page_size": 100}))

    assert "assisted-lying-hamstring-stretch" not in primary
    assert "assisted-lying-hamstring-stretch" in anywhere
    assert primary < anywhere


def test_equipment_available_strap_lists_no_partner_stretch(api_client):
    response = api_client.get(LIST, {"equipment_available": "strap", "page_size": 100})

    found = slugs(response)
    assert found
    assert not found & PARTNER_STRETCHES
    assert "lying-hamstring-stretch" in found
    for item in response.json()["results"]:
        assert set(item["required_equipment"]) <= {"strap"}


def test_equipment_available_with_a_partner_includes_partner_stretches(api_client):
    found = slugs(api_client.get(LIST, {"equipment_available": "partner,mat", "page_size": 100}))

    assert "assisted-lying-hamstring-stretch" in found
    assert "hamstring-anchor-stretch" not in found  # needs a raised surface


@pytest.mark.parametrize(
    ("params", "expected_field"),
    [
        ({"muscle": "no-such-muscle"}, "muscle"),
        ({"equipment_available": "strap,rocket"}, "equipment_available"),
        ({"difficulty": "extreme"}, "difficulty"),
        ({"goal": "world_peace"}, "goal"),
        ({"region": "elbow"}, "region"),
    ],
)
def test_invalid_filter_value_is_a_problem_naming_the_field(api_client, params, expected_field):
    response = api_client.get(LIST, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [expected_field]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"technique": "pnf_contract_relax"}, {"pnf-hamstring-stretch"}),
        ({"position": "prone"}, {"partner-quad-stretch"}),
        ({"region": "chest-shoulders"}, {"partner-chest-stretch"}),
        ({"technique": "warmup_cardio"}, {"jumping-jacks", "jogging-in-place"}),
        ({"search": "quad"}, {"partner-quad-stretch"}),
    ],
)
def test_filters_select_the_matching_exercises(api_client, params, expected):
    assert slugs(api_client.get(LIST, {**params, "page_size": 100})) == expected


def test_filters_combine(api_client):
    found = slugs(
        api_client.get(
            LIST, {"assistance": "self", "laterality": "per_side", "goal": "general_flexibility", "page_size": 100}
        )
    )

    assert found
    for slug in found:
        exercise = Exercise.objects.get(slug=slug)
        assert exercise.assistance == "self"
        assert exercise.laterality == "per_side"
        assert exercise.doses.filter(goal="general_flexibility").exists()


def test_difficulty_filter_and_descending_ordering(api_client):
    response = api_client.get(LIST, {"difficulty": "beginner", "ordering": "-name", "page_size": 100})

    names = [item["name"] for item in response.json()["results"]]
    assert names == sorted(names, reverse=True)
    assert {item["difficulty"] for item in response.json()["results"]} == {"beginner"}


def test_detail_has_everything_about_the_exercise(api_client):
    response = api_client.get(f"{LIST}pnf-hamstring-stretch/")

    body = response.json()
    assert response.status_code == 200
    assert body["technique"] == "pnf_contract_relax"
    assert body["pnf"] == {
        "contract_seconds": {"min": 5, "max": 10},
        "relax_seconds": {"min": 5, "max": 10},
        "assisted_hold_seconds": {"min": 5, "max": 10},
        "rest_seconds": 30,
        "repetitions_per_side": {"min": 3, "max": 4},
    }
    assert [step["position"] for step in body["steps"]] == list(range(1, len(body["steps"]) + 1))
    assert {"slug": "partner", "name": "Partner", "required": True} in body["equipment"]
    assert {m["role"] for m in body["muscles"]} <= {"primary", "secondary"}
    assert body["stop_signs"] and body["doses"] and body["faq"] and body["tips"]


def test_detail_of_static_stretch_has_no_pnf_block(api_client):
    body = api_client.get(f"{LIST}assisted-lying-hamstring-stretch/").json()

    assert body["pnf"] is None
    assert body["target_intensity"] == {"min": 5, "max": 7}


def test_unknown_exercise_is_a_404_problem(api_client):
    response = api_client.get(f"{LIST}no-such-stretch/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


# Plans ---------------------------------------------------------------------


def test_pnf_plan_plays_contract_relax_assisted_hold_and_rest_on_each_side(api_client):
    response = api_client.get(f"{LIST}pnf-hamstring-stretch/plan/", {"goal": "general_flexibility"})

    body = response.json()
    assert response.status_code == 200
    assert [side["side"] for side in body["sides"]] == ["left", "right"]
    first_hold = body["sides"][0]["holds"][0]
    assert [(p["phase"], p["seconds"]) for p in first_hold["phases"]] == [
        ("contract", 5),
        ("relax", 5),
        ("assisted_hold", 5),
        ("rest", 30),
    ]
    assert all(p["cue"] for p in first_hold["phases"])
    assert len(body["sides"][0]["holds"]) == 3
    last_hold = body["sides"][1]["holds"][-1]
    assert [p["phase"] for p in last_hold["phases"]] == ["contract", "relax", "assisted_hold"]
    # 2 sides × 3 reps × 15 s of work, plus a 30 s rest after all but the last rep.
    assert body["total_seconds"] == 2 * 3 * 15 + 5 * 30
    assert {s["slug"] for s in body["stop_signs"]} >= {"sharp-pain", "numbness"}


def test_static_plan_for_one_side_uses_the_goal_starting_dose(api_client):
    response = api_client.get(
        f"{LIST}assisted-lying-hamstring-stretch/plan/", {"goal": "post_workout_recovery", "side": "right"}
    )

    body = response.json()
    assert [side["side"] for side in body["sides"]] == ["right"]
    holds = body["sides"][0]["holds"]
    assert [[(p["phase"], p["seconds"]) for p in h["phases"]] for h in holds] == [
        [("hold", 30), ("rest", 15)],
        [("hold", 30)],
    ]
    assert body["total_seconds"] == 75
    assert body["target_intensity"] == {"min": 5, "max": 6}  # the exercise's 5–7, never above the cap
    assert body["intensity_cap"] == 6


def test_both_sides_exercise_plans_one_both_side(api_client):
    body = api_client.get(f"{LIST}partner-chest-stretch/plan/", {"goal": "general_flexibility"}).json()

    assert [side["side"] for side in body["sides"]] == ["both"]


def test_plan_for_a_goal_without_dose_lists_the_goals_it_has(api_client):
    response = api_client.get(f"{LIST}jumping-jacks/plan/", {"goal": "rehab_control"})

    body = response.json()
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert body["errors"][0]["field"] == "goal"
    assert body["errors"][0]["code"] == "goal_not_available"
    assert "mobility_warm_up" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("slug", "params", "field"),
    [
        ("pnf-hamstring-stretch", {"goal": "flexibility-ish"}, "goal"),
        ("pnf-hamstring-stretch", {}, "goal"),
        ("pnf-hamstring-stretch", {"goal": "general_flexibility", "side": "both"}, "side"),
        ("partner-chest-stretch", {"goal": "general_flexibility", "side": "left"}, "side"),
    ],
)
def test_plan_with_bad_parameters_is_a_problem_naming_the_field(api_client, slug, params, field):
    response = api_client.get(f"{LIST}{slug}/plan/", params)

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


# Vocabularies ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "slug"),
    [
        ("/api/v1/muscles/", "biceps-femoris"),
        ("/api/v1/equipment/", "strap"),
        ("/api/v1/stop-signs/", "nerve-tingling"),
        ("/api/v1/contraindications/", "acute-hamstring-strain"),
        ("/api/v1/body-regions/", "posterior-thigh"),
    ],
)
def test_vocabulary_lists(api_client, path, slug):
    response = api_client.get(path)

    assert response.status_code == 200
    assert slug in {item["slug"] for item in response.json()}


def test_muscles_carry_their_body_region(api_client):
    muscles = {m["slug"]: m for m in api_client.get("/api/v1/muscles/").json()}

    assert muscles["semitendinosus"]["region"] == {"slug": "posterior-thigh", "name": "Back of the thigh"}


# Conditional GET ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [LIST, f"{LIST}leg-swings/", f"{LIST}leg-swings/plan/?goal=mobility_warm_up", "/api/v1/muscles/"],
)
def test_conditional_get_answers_304_until_the_catalog_changes(api_client, path):
    first = api_client.get(path)
    etag = first["ETag"]

    again = api_client.get(path, HTTP_IF_NONE_MATCH=etag)
    catalog_version_bump()
    after_change = api_client.get(path, HTTP_IF_NONE_MATCH=etag)

    assert first.status_code == 200
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert after_change.status_code == 200
    assert after_change["ETag"] != etag


def test_etag_differs_between_json_and_browsable_renderings(api_client):
    as_json = api_client.get(LIST, HTTP_ACCEPT="application/json")
    as_html = api_client.get(LIST, HTTP_ACCEPT="text/html")

    assert as_json["ETag"] != as_html["ETag"]


def test_admin_change_moves_the_etag(admin_client, api_client):
    etag = api_client.get("/api/v1/stop-signs/")["ETag"]
    sign = StopSign.objects.get(slug="cramping")
    change_url = reverse("admin:catalog_stopsign_change", args=[sign.pk])

    response = admin_client.post(
        change_url,
        {"slug": "cramping", "name": "Cramping or spasm", "description": sign.description, "severity": "stop"},
    )
    after = api_client.get("/api/v1/stop-signs/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 302
    assert after.status_code == 200
    expected = {"slug": "cramping", "name": "Cramping or spasm", "description": sign.description, "severity": "stop"}
    assert expected in after.json()


# Query budgets ----------------------------------------------------------------


def test_list_query_count_does_not_grow_with_the_catalog(api_client, django_assert_num_queries):
    Exercise.objects.exclude(slug__in=["leg-swings", "jumping-jacks", "leg-lunges", "partner-quad-stretch"]).delete()
    exercise_factory()
    assert Exercise.objects.count() == 5
    # the version, then the page with its muscles, equipment, doses and use cases, and the count
    with django_assert_num_queries(2):
        small = api_client.get(LIST, {"page_size": 100})

    for _ in range(45):
        exercise_factory()
    catalog_version_bump()  # the factory writes rows directly; every catalog write moves the version
    with django_assert_num_queries(2):
        large = api_client.get(LIST, {"page_size": 100})

    assert small.json()["count"] == 5
    assert large.json()["count"] == 50


def test_detail_query_count_is_fixed(api_client, django_assert_num_queries, settings):
    settings.CATALOG_VERSION_CACHE_SECONDS = 0  # the version is read each time, as after the memory expires
    # the version, then the exercise with every row it shows (each table a subquery of the same query)
    with django_assert_num_queries(2):
        api_client.get(f"{LIST}pnf-hamstring-stretch/")
    with django_assert_num_queries(2):
        api_client.get(f"{LIST}seated-hamstring-stretch/")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"{LIST}no-such-stretch/", 404),
        (f"{LIST}leg-swings/plan/?goal=splits", 400),
        (f"{LIST}?muscle=nope", 400),
        (f"{LIST}?page=99", 404),
    ],
)
def test_a_matching_etag_never_hides_an_error(api_client, path, status):
    etag = api_client.get(LIST)["ETag"]

    response = api_client.get(path, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == status
    assert "ETag" not in response


def test_a_catalog_read_needs_no_token_but_a_stale_one_sent_anyway_is_a_401(api_client):
    """Decision: a bad token is refused, not ignored, on public reads too. A phone whose token
    expired learns it at once, and a signed-in caller never silently gets a plan without
    their health warnings (CATALOG_PLAN_WARNINGS)."""
    anonymous = api_client.get("/api/v1/exercises/leg-swings/plan/?goal=mobility_warm_up")
    api_client.credentials(HTTP_AUTHORIZATION="Bearer revoked-or-mistyped")
    stale = api_client.get("/api/v1/exercises/leg-swings/plan/?goal=mobility_warm_up")

    assert anonymous.status_code == 200
    assert stale.status_code == 401
    assert stale.json()["code"] == "authentication_failed"
    assert stale["WWW-Authenticate"].startswith("Bearer")
