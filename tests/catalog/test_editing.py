"""Editing the catalog through the API: the data files' rules, If-Match, permissions, history, retirement."""

import copy
import json
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from catalog.content import ContentError, canonical_content, check_exercise, merge_patch
from catalog.models import BodyRegion, Exercise, Muscle, StopSign
from catalog.selectors import catalog_version_number, catalog_vocabularies, exercise_as_content, exercise_detail
from catalog.services import catalog_version_bump
from stretchapi.errors import FieldProblem, InvalidData
from tests.admin_forms import unchanged_change_form
from tests.conftest import bearer_client
from tests.sessions.payloads import session_payload

pytestmark = pytest.mark.django_db

LIST = "/api/v1/exercises/"
SLUG = "test-partner-stretch"


def exercise_body(slug: str = SLUG, *, steps: int = 2, **overrides) -> dict:
    """A complete, valid exercise in its data-file shape."""
    body = {
        "slug": slug,
        "name": "Test Partner Stretch",
        "summary": "A partner stretch made for a test.",
        "description": "You lie on your back while a partner lifts one straight leg.",
        "difficulty": "beginner",
        "position": "supine",
        "technique": "passive_static",
        "assistance": "partner",
        "laterality": "per_side",
        "body_region": "posterior-thigh",
        "primary_muscles": ["biceps-femoris", "semitendinosus"],
        "secondary_muscles": ["gastrocnemius"],
        "equipment": {"required": ["partner"], "optional": ["mat"]},
        "target_intensity": {"min": 4, "max": 6},
        "progression_rule": "Hold longer first, then go a little deeper.",
        "use_cases": ["flexibility", "cooldown"],
        "stop_signs": ["sharp-pain", "numbness"],
        "contraindications": ["acute-hamstring-strain"],
        "steps": [{"phase": "setup", "instruction": "Lie face up, legs long."}]
        + [{"phase": "execution", "instruction": f"Partner lifts the leg, stage {n}."} for n in range(1, steps)],
        "tips": ["Breathe out as the leg rises."],
        "common_mistakes": ["Bending the knee."],
        "faq": [{"question": "Should it hurt?", "answer": "No: a pull, never pain."}],
        "doses": [
            {
                "goal": "general_flexibility",
                "holds_per_side": {"min": 2, "max": 3},
                "hold_seconds": {"min": 20, "max": 30},
                "rest_seconds": 10,
                "intensity_cap": 6,
            }
        ],
        "cues": {"hold": "Breathe slowly.", "rest": "Rest the leg."},
        "related": [{"exercise": "lying-hamstring-stretch", "relation": "alternative_without_partner"}],
        "sources": ["Written for a test."],
        "assumptions": "",
    }
    body.update(overrides)
    return body


PNF_BLOCK = {
    "contract_seconds": {"min": 5, "max": 10},
    "relax_seconds": {"min": 5, "max": 10},
    "assisted_hold_seconds": {"min": 5, "max": 10},
    "rest_seconds": 30,
    "repetitions_per_side": {"min": 3, "max": 4},
}


@pytest.fixture
def editor(make_user):
    """A trainer in the "Catalog editors" group (created by a migration)."""
    user = make_user("editor@example.com", role="trainer")
    user.groups.add(Group.objects.get(name="Catalog editors"))
    return user


@pytest.fixture
def as_editor(editor) -> APIClient:
    return bearer_client(editor)


def create(client, body):
    return client.post(LIST, body, format="json")


def patch(client, slug, body, etag=None):
    headers = {"HTTP_IF_MATCH": etag} if etag is not None else {}
    return client.patch(f"{LIST}{slug}/", body, format="json", **headers)


def etag_of(slug: str) -> str:
    return APIClient().get(f"{LIST}{slug}/")["ETag"]


def content_of(slug: str) -> dict:
    return exercise_as_content(exercise_detail().get(slug=slug))


def expected_etag(slug: str) -> str:
    exercise = Exercise.objects.get(slug=slug)
    return f'"v{catalog_version_number()}.e{exercise.pk}-{exercise.version}-json"'


# Create ------------------------------------------------------------------------------


def test_create_returns_the_exercise_with_its_etag_and_address(as_editor):
    response = create(as_editor, exercise_body())

    body = response.json()
    assert response.status_code == 201
    assert response["ETag"] == expected_etag(SLUG)
    assert response["Location"] == f"http://testserver{LIST}{SLUG}/"
    assert body["slug"] == SLUG
    assert body["doses"] == [
        {
            "goal": "general_flexibility",
            "holds_per_side": {"min": 2, "max": 3},
            "hold_seconds": {"min": 20, "max": 30},
            "rest_seconds": 10,
            "intensity_cap": 6,
        }
    ]
    assert [(s["position"], s["phase"]) for s in body["steps"]] == [(1, "setup"), (2, "execution")]
    assert body["related"] == [
        {
            "exercise": "lying-hamstring-stretch",
            "name": "Lying Hamstring Stretch",
            "relation": "alternative_without_partner",
        }
    ]
    assert body["retired_at"] is None


def test_created_exercise_is_in_the_list_the_detail_and_the_plan(as_editor, api_client):
    create(as_editor, exercise_body())

    listed = api_client.get(LIST, {"muscle": "semitendinosus", "page_size": 100}).json()["results"]
    detail = api_client.get(f"{LIST}{SLUG}/")
    plan = api_client.get(f"{LIST}{SLUG}/plan/", {"goal": "general_flexibility", "side": "left"})

    assert SLUG in {item["slug"] for item in listed}
    assert api_client.get(LIST).json()["count"] == 20
    assert detail.status_code == 200
    assert detail.json()["name"] == "Test Partner Stretch"
    assert plan.status_code == 200
    assert [[(p["phase"], p["seconds"]) for p in h["phases"]] for h in plan.json()["sides"][0]["holds"]] == [
        [("hold", 20), ("rest", 10)],
        [("hold", 20)],
    ]


def test_create_moves_the_catalog_etag(as_editor, api_client):
    etag = api_client.get(LIST)["ETag"]
    version = catalog_version_number()

    create(as_editor, exercise_body())
    after = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)

    assert after.status_code == 200
    assert after["ETag"] != etag
    assert catalog_version_number() == version + 1


def test_created_exercise_has_no_data_file_and_survives_load_catalog(as_editor):
    create(as_editor, exercise_body())

    call_command("load_catalog", stdout=StringIO())

    exercise = Exercise.objects.get(slug=SLUG)
    assert exercise.source_hash == ""
    assert exercise.name == "Test Partner Stretch"


def test_create_a_pnf_exercise_writes_its_protocol_and_plan(as_editor, api_client):
    body = exercise_body(technique="pnf_contract_relax", pnf=PNF_BLOCK)
    body["cues"].update(contract="Push into your partner.", relax="Let go and breathe out.")
    body["doses"][0].update(holds_per_side={"min": 3, "max": 4}, hold_seconds={"min": 5, "max": 10})

    response = create(as_editor, body)
    plan = api_client.get(f"{LIST}{SLUG}/plan/", {"goal": "general_flexibility", "side": "left"}).json()

    assert response.status_code == 201
    assert response.json()["pnf"] == PNF_BLOCK
    assert [(p["phase"], p["seconds"]) for p in plan["sides"][0]["holds"][0]["phases"]] == [
        ("contract", 5),
        ("relax", 5),
        ("assisted_hold", 5),
        ("rest", 30),
    ]


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        pytest.param(
            lambda b: b.update(primary_muscles=["biceps-femoris", "no-such-muscle"]),
            [{"field": "primary_muscles[1]", "code": "unknown_slug", "message": "unknown slug 'no-such-muscle'"}],
            id="unknown-muscle",
        ),
        pytest.param(
            lambda b: b["doses"][0].update(hold_seconds={"min": 40, "max": 20}),
            [
                {
                    "field": "doses[0].hold_seconds",
                    "code": "min_above_max",
                    "message": "min (40) must not be greater than max (20)",
                }
            ],
            id="dose-min-above-max",
        ),
        pytest.param(
            lambda b: b["doses"][0].update(intensity_cap=8),
            [
                {
                    "field": "doses[0].intensity_cap",
                    "code": "above_target_max",
                    "message": "8 is above the target intensity maximum (6)",
                }
            ],
            id="intensity-cap-above-target",
        ),
        pytest.param(
            lambda b: b.update(pnf=PNF_BLOCK),
            [
                {
                    "field": "pnf",
                    "code": "not_allowed",
                    "message": "is only for PNF exercises, this one is 'passive_static'",
                }
            ],
            id="pnf-on-a-static-stretch",
        ),
        pytest.param(
            lambda b: b.update(slug="leg-swings"),
            [{"field": "slug", "code": "slug_taken", "message": "'leg-swings' is already the slug of an exercise"}],
            id="slug-taken",
        ),
        pytest.param(
            lambda b: b.update(related=[{"exercise": "no-such-stretch", "relation": "easier"}]),
            [
                {
                    "field": "related[0].exercise",
                    "code": "unknown_exercise",
                    "message": "unknown exercise 'no-such-stretch'",
                }
            ],
            id="unknown-related-exercise",
        ),
        pytest.param(
            lambda b: b["doses"][0].update(rest_seconds="10"),
            [
                {
                    "field": "doses[0].rest_seconds",
                    "code": "invalid_type",
                    "message": "must be a whole number, got a string",
                }
            ],
            id="number-as-string",
        ),
        pytest.param(
            lambda b: b.update(colour="blue"),
            [{"field": "colour", "code": "unknown_field", "message": "is not a known field"}],
            id="unknown-field",
        ),
    ],
)
def test_create_with_an_invalid_body_names_the_field_and_stores_nothing(as_editor, change, errors):
    body = exercise_body()
    change(body)
    count, version = Exercise.objects.count(), catalog_version_number()

    response = create(as_editor, body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"] == errors
    assert Exercise.objects.count() == count
    assert catalog_version_number() == version


def test_create_reports_every_problem_at_once(as_editor):
    body = exercise_body(technique="pnf_contract_relax", target_intensity={"min": 6, "max": 4})
    body["steps"] = [{"phase": "release", "instruction": "Let go."}, {"phase": "setup", "instruction": "Lie down."}]
    body["equipment"] = {"required": ["mat"]}

    response = create(as_editor, body)

    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("equipment.required", "partner_required"),
        ("target_intensity", "min_above_max"),
        ("steps[1].phase", "phase_order"),
        ("pnf", "required"),
        ("cues.contract", "required"),
        ("cues.relax", "required"),
    ]


@pytest.mark.parametrize("body", [[1, 2], "an exercise", None])
def test_create_with_a_body_that_is_not_an_object_is_refused(as_editor, body):
    response = as_editor.post(LIST, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] is None
    assert Exercise.objects.filter(slug=SLUG).exists() is False


def test_create_refuses_text_the_database_cannot_store(as_editor):
    body = exercise_body(name="Nul\x00name")
    body["steps"][1]["instruction"] = "A NUL \x00 inside"

    response = as_editor.post(LIST, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("name", "invalid_text"),
        ("steps[1].instruction", "invalid_text"),
    ]


def test_create_with_a_lone_surrogate_is_a_parse_error(as_editor):
    body = exercise_body()
    body["steps"][1]["instruction"] = "Lone \ud800 surrogate"

    response = as_editor.post(LIST, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert Exercise.objects.filter(slug=SLUG).exists() is False


def test_create_refuses_text_too_long_for_the_database(as_editor):
    response = create(as_editor, exercise_body(name="N" * 121))

    assert response.json()["errors"] == [
        {"field": "name", "code": "max_length", "message": "is 121 characters; at most 120"}
    ]


# Update --------------------------------------------------------------------------------


def test_patch_with_if_match_changes_the_exercise_and_returns_a_new_etag(as_editor, api_client):
    slug = "assisted-lying-hamstring-stretch"
    etag = etag_of(slug)
    dose = {
        "goal": "general_flexibility",
        "holds_per_side": {"min": 2, "max": 3},
        "hold_seconds": {"min": 25, "max": 35},
        "rest_seconds": 15,
        "intensity_cap": 6,
    }

    response = patch(as_editor, slug, {"doses": [dose], "tips": ["Keep the knee soft."]}, etag)

    assert response.status_code == 200
    assert response.json()["doses"] == [dose]
    assert response.json()["tips"] == ["Keep the knee soft."]
    assert response["ETag"] == expected_etag(slug)
    assert response["ETag"] != etag
    assert Exercise.objects.get(slug=slug).version == 2
    assert api_client.get(f"{LIST}{slug}/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert api_client.get(f"{LIST}{slug}/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_patch_merges_mappings_and_keeps_what_it_does_not_name(as_editor):
    slug = "assisted-lying-hamstring-stretch"
    before = content_of(slug)

    response = patch(as_editor, slug, {"target_intensity": {"min": 4}, "equipment": {"optional": []}}, etag_of(slug))

    after = content_of(slug)
    assert response.status_code == 200
    assert after["target_intensity"] == {"min": 4, "max": 7}
    assert after["equipment"] == {"required": before["equipment"]["required"], "optional": []}
    assert {k: v for k, v in after.items() if k not in ("target_intensity", "equipment")} == {
        k: v for k, v in before.items() if k not in ("target_intensity", "equipment")
    }


def test_patch_without_if_match_is_a_428_and_changes_nothing(as_editor):
    slug = "leg-swings"
    before = content_of(slug)

    response = patch(as_editor, slug, {"name": "Leg Swings Again"})

    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    assert response["Content-Type"] == "application/problem+json"
    assert content_of(slug) == before
    assert Exercise.objects.get(slug=slug).version == 1


def test_patch_with_a_stale_etag_is_a_412_and_changes_nothing(as_editor):
    slug = "leg-swings"
    stale = etag_of(slug)
    patch(as_editor, slug, {"summary": "Swing each leg like a pendulum, loosely."}, stale)
    before = content_of(slug)

    response = patch(as_editor, slug, {"name": "Leg Swings Again"}, stale)

    assert response.status_code == 412
    assert response.json()["code"] == "stale_write"
    assert content_of(slug) == before
    assert Exercise.objects.get(slug=slug).version == 2


@pytest.mark.parametrize("header", ['W/"{etag}"', '"e0-1"', "garbage"])
def test_patch_with_a_weak_or_foreign_etag_is_a_412(as_editor, header):
    slug = "leg-swings"
    header = header.format(etag=etag_of(slug).strip('"'))

    response = patch(as_editor, slug, {"name": "Leg Swings Again"}, header)

    assert response.status_code == 412


def test_a_change_elsewhere_in_the_catalog_does_not_make_an_edit_stale(as_editor):
    slug = "leg-swings"
    etag = etag_of(slug)
    patch(as_editor, "leg-lunges", {"summary": "Step forward and sink, one leg at a time."}, etag_of("leg-lunges"))
    catalog_version_bump()

    response = patch(as_editor, slug, {"name": "Leg Swings Again"}, etag)

    assert response.status_code == 200
    assert response.json()["name"] == "Leg Swings Again"


def test_patch_with_if_match_star_needs_no_etag(as_editor):
    response = patch(as_editor, "leg-swings", {"name": "Leg Swings Again"}, "*")

    assert response.status_code == 200


def test_invalid_patch_names_the_field_of_the_merged_exercise_and_changes_nothing(as_editor):
    slug = "pnf-hamstring-stretch"
    before, version = content_of(slug), catalog_version_number()

    response = patch(as_editor, slug, {"pnf": None, "doses": [{"goal": "splits"}]}, etag_of(slug))

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("doses[0].goal", "invalid_choice"),
        ("doses[0].holds_per_side", "required"),
        ("doses[0].hold_seconds", "required"),
        ("doses[0].rest_seconds", "required"),
        ("doses[0].intensity_cap", "required"),
        ("pnf", "required"),
    ]
    assert content_of(slug) == before
    assert catalog_version_number() == version


def test_patch_cannot_change_the_slug(as_editor):
    response = patch(as_editor, "leg-swings", {"slug": "leg-swingers"}, etag_of("leg-swings"))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "slug", "code": "slug_immutable", "message": "cannot change: this exercise is 'leg-swings' for good"}
    ]


def test_patch_that_changes_nothing_keeps_the_version_and_records_nothing(as_editor):
    slug = "leg-swings"
    etag = etag_of(slug)
    history = Exercise.objects.get(slug=slug).history.count()

    response = patch(as_editor, slug, {"name": Exercise.objects.get(slug=slug).name}, etag)

    assert response.status_code == 200
    assert response["ETag"] == etag
    assert Exercise.objects.get(slug=slug).history.count() == history


def test_patch_of_an_unknown_exercise_is_a_404(as_editor):
    assert patch(as_editor, "no-such-stretch", {"name": "x"}, "*").status_code == 404


# Permissions ---------------------------------------------------------------------------------


def _user_for(role: str, make_user):
    if role == "anonymous":
        return None
    if role in ("client", "trainer"):
        return make_user(f"{role}-x@example.com", role=role)
    if role == "staff":
        return make_user("staff-x@example.com", role="staff")
    if role == "staff_who_may_view_exercises":
        user = make_user("viewer-x@example.com", role="staff")
        user.user_permissions.add(Permission.objects.get(codename="view_exercise", content_type__app_label="catalog"))
        return user
    if role == "superuser":
        user = make_user("root-x@example.com", role="staff")
        user.is_superuser = True
        user.save()
        return user
    user = make_user("granted-x@example.com", role="trainer")
    if role == "trainer_in_editors_group":
        user.groups.add(Group.objects.get(name="Catalog editors"))
    else:  # trainer_with_permission
        user.user_permissions.add(Permission.objects.get(codename="edit_catalog", content_type__app_label="catalog"))
    return user


def _call(endpoint: str, client: APIClient):
    slug = "leg-swings"
    if endpoint == "create":
        return create(client, exercise_body())
    if endpoint == "update":
        return patch(client, slug, {"name": "Leg Swings Again"}, etag_of(slug))
    if endpoint == "retire":
        return client.post(f"{LIST}{slug}/retire/")
    return client.get(f"{LIST}{slug}/history/")


EDITOR = {"create": 201, "update": 200, "retire": 200, "history": 200}
PERMISSIONS = {
    "anonymous": {"create": 401, "update": 401, "retire": 401, "history": 401},
    "client": {"create": 403, "update": 403, "retire": 403, "history": 403},
    "trainer": {"create": 403, "update": 403, "retire": 403, "history": 403},
    # Being staff grants nothing by itself; viewing exercises (as in the admin) lets one read the history.
    "staff": {"create": 403, "update": 403, "retire": 403, "history": 403},
    "staff_who_may_view_exercises": {"create": 403, "update": 403, "retire": 403, "history": 200},
    "trainer_in_editors_group": EDITOR,
    "trainer_with_permission": EDITOR,
    "superuser": EDITOR,
}


@pytest.mark.parametrize("endpoint", ["create", "update", "retire", "history"])
@pytest.mark.parametrize("role", list(PERMISSIONS))
def test_permission_matrix(make_user, role, endpoint):
    user = _user_for(role, make_user)
    client = bearer_client(user) if user else APIClient()
    version = Exercise.objects.get(slug="leg-swings").version

    response = _call(endpoint, client)

    expected = PERMISSIONS[role][endpoint]
    assert response.status_code == expected
    if expected in (401, 403):
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == {401: "not_authenticated", 403: "permission_denied"}[expected]
        assert Exercise.objects.get(slug="leg-swings").version == version
        assert not Exercise.objects.filter(slug=SLUG).exists()
    if expected == 401:
        assert response["WWW-Authenticate"] == "Bearer"


def test_reads_stay_public(api_client):
    assert api_client.get(f"{LIST}leg-swings/").status_code == 200
    assert api_client.get(LIST).status_code == 200


# History ---------------------------------------------------------------------------------------


def test_history_lists_every_change_with_who_and_what_newest_first(as_editor, editor, make_user):
    root = make_user("root@example.com", role="staff")
    root.is_superuser = True
    root.save()
    as_root = bearer_client(root)
    create(as_editor, exercise_body())
    new_doses = copy.deepcopy(exercise_body()["doses"])
    new_doses[0]["rest_seconds"] = 20
    patch(as_root, SLUG, {"doses": new_doses}, etag_of(SLUG))
    patch(as_editor, SLUG, {"name": "Renamed Partner Stretch"}, etag_of(SLUG))
    as_root.post(f"{LIST}{SLUG}/retire/")

    response = as_editor.get(f"{LIST}{SLUG}/history/")

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 4
    assert [
        (e["version"], e["change_type"], e["changed_by"], e["via"], e["changed_fields"], e["changed_content"])
        for e in body["results"]
    ] == [
        (4, "changed", {"id": root.pk, "email": "root@example.com"}, "api", ["retired_at"], []),
        (3, "changed", {"id": editor.pk, "email": "editor@example.com"}, "api", ["name"], ["name"]),
        (2, "changed", {"id": root.pk, "email": "root@example.com"}, "api", [], ["doses"]),
        (1, "created", {"id": editor.pk, "email": "editor@example.com"}, "api", [], []),
    ]
    times = [e["changed_at"] for e in body["results"]]
    assert times == sorted(times, reverse=True)
    assert "ETag" not in response


def test_history_of_a_loaded_exercise_names_load_catalog_and_no_user(as_editor):
    body = as_editor.get(f"{LIST}leg-swings/history/").json()

    assert [(e["version"], e["change_type"], e["changed_by"], e["via"]) for e in body["results"]] == [
        (1, "created", None, "load_catalog")
    ]


def test_history_is_paginated_and_compares_across_pages(as_editor):
    slug = "leg-swings"
    for n in range(3):
        patch(as_editor, slug, {"summary": f"Swing the leg, version {n}."}, etag_of(slug))

    second_page = as_editor.get(f"{LIST}{slug}/history/", {"page_size": 2, "page": 2}).json()

    assert second_page["count"] == 4
    assert [(e["version"], e["changed_content"]) for e in second_page["results"]] == [(2, ["summary"]), (1, [])]


def test_a_file_change_loaded_later_is_recorded_as_load_catalog(as_editor, tmp_path):
    import shutil

    import yaml

    from catalog.content import DEFAULT_DATA_DIR

    data_dir = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data_dir)
    path = data_dir / "exercises" / "leg-swings.yaml"
    data = yaml.safe_load(path.read_text())
    data["summary"] = "A new summary from the file."
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    call_command("load_catalog", data_dir=data_dir, stdout=StringIO())

    latest = as_editor.get(f"{LIST}leg-swings/history/").json()["results"][0]
    assert (latest["version"], latest["changed_by"], latest["via"]) == (2, None, "load_catalog")
    assert latest["changed_fields"] == ["source_hash", "summary"]
    assert latest["changed_content"] == ["summary"]


def test_history_of_an_unknown_exercise_is_a_404(as_editor):
    assert as_editor.get(f"{LIST}no-such-stretch/history/").status_code == 404


# Retire ----------------------------------------------------------------------------------------


def test_retired_exercise_leaves_the_list_but_keeps_its_detail_and_plan(as_editor, api_client):
    slug = "leg-swings"

    response = as_editor.post(f"{LIST}{slug}/retire/")

    listed = {item["slug"] for item in api_client.get(LIST, {"page_size": 100}).json()["results"]}
    detail = api_client.get(f"{LIST}{slug}/")
    plan = api_client.get(f"{LIST}{slug}/plan/", {"goal": "mobility_warm_up"})
    assert response.status_code == 200
    assert response.json()["retired_at"] is not None
    assert response["ETag"] == expected_etag(slug)
    assert slug not in listed
    assert len(listed) == 18
    assert detail.status_code == 200
    assert detail.json()["retired_at"] == response.json()["retired_at"]
    assert plan.status_code == 200


def test_retiring_twice_changes_nothing(as_editor):
    first = as_editor.post(f"{LIST}leg-swings/retire/")
    version = catalog_version_number()

    second = as_editor.post(f"{LIST}leg-swings/retire/")

    assert second.status_code == 200
    assert second["ETag"] == first["ETag"]
    assert second.json()["retired_at"] == first.json()["retired_at"]
    assert catalog_version_number() == version


def test_retiring_blocks_nothing_for_sessions_already_logged(as_editor, as_client):
    slug = "assisted-lying-hamstring-stretch"
    uploaded = as_client.post("/api/v1/sessions/", session_payload(), format="json")
    assert uploaded.status_code == 201

    as_editor.post(f"{LIST}{slug}/retire/")
    response = as_client.get(f"/api/v1/sessions/{uploaded.json()['id']}/")

    assert response.status_code == 200
    assert {hold["exercise"] for hold in response.json()["holds"]} == {slug}


def test_load_catalog_does_not_bring_a_retired_exercise_back(as_editor):
    as_editor.post(f"{LIST}leg-swings/retire/")

    call_command("load_catalog", "--force", stdout=StringIO())

    assert Exercise.objects.get(slug="leg-swings").retired_at is not None


# Admin -------------------------------------------------------------------------------------------


def test_admin_refuses_to_delete_an_exercise_that_holds_use(admin_client, as_client):
    as_client.post("/api/v1/sessions/", session_payload(), format="json")
    exercise = Exercise.objects.get(slug="assisted-lying-hamstring-stretch")
    url = reverse("admin:catalog_exercise_delete", args=[exercise.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in response.content.decode()
    assert Exercise.objects.filter(pk=exercise.pk).exists()


def test_admin_action_retires_the_selected_exercises(admin_client, admin_user):
    exercises = list(Exercise.objects.filter(slug__in=["leg-swings", "jumping-jacks"]))

    response = admin_client.post(
        reverse("admin:catalog_exercise_changelist"),
        {"action": "retire_selected", "_selected_action": [e.pk for e in exercises]},
    )

    assert response.status_code == 302
    for exercise in exercises:
        exercise.refresh_from_db()
        latest = exercise.history.latest()
        assert exercise.retired_at is not None
        assert (latest.history_user, latest.history_change_reason) == (admin_user, "admin")


def test_admin_edit_is_a_new_version_in_the_history(admin_client, admin_user):
    exercise = Exercise.objects.get(slug="leg-swings")
    url = reverse("admin:catalog_exercise_change", args=[exercise.pk])
    data = unchanged_change_form(admin_client.get(url))
    data["doses-0-hold_seconds_max"] = 35
    data["name"] = "Leg Swings (admin)"
    etag = etag_of("leg-swings")

    response = admin_client.post(url, data)

    exercise.refresh_from_db()
    latest = exercise.history.latest()
    assert response.status_code == 302
    assert exercise.version == 2
    assert exercise.content == content_of("leg-swings")
    assert exercise.content["doses"][0]["hold_seconds"]["max"] == 35
    assert (latest.history_user, latest.history_change_reason, latest.version) == (admin_user, "admin", 2)
    assert exercise.history.count() == 2
    assert patch(bearer_client(admin_user), "leg-swings", {"name": "Leg Swings"}, etag).status_code == 412


def test_admin_add_records_one_creation_with_the_whole_content(admin_client, admin_user):
    url = reverse("admin:catalog_exercise_add")
    data = {}
    for inline in admin_client.get(url).context["inline_admin_formsets"]:
        for key, value in inline.formset.management_form.initial.items():
            data[f"{inline.formset.prefix}-{key}"] = value
    data.update(
        {
            "name": "Admin Stretch", "slug": "admin-stretch", "summary": "Made in the admin.", "description": "Made.",
            "difficulty": "beginner", "position": "supine", "technique": "passive_static", "assistance": "self",
            "laterality": "per_side", "body_region": BodyRegion.objects.get(slug="posterior-thigh").pk,
            "target_intensity_min": 3, "target_intensity_max": 5, "progression_rule": "Longer first.",
            "cues": '{"hold": "Breathe.", "rest": "Rest."}', "sources": "[]",
            "stop_signs": [StopSign.objects.get(slug="sharp-pain").pk], "doses-TOTAL_FORMS": 1,
            "doses-0-goal": "general_flexibility", "doses-0-holds_per_side_min": 1, "doses-0-holds_per_side_max": 2,
            "doses-0-hold_seconds_min": 10, "doses-0-hold_seconds_max": 20, "doses-0-rest_seconds": 5,
            "doses-0-intensity_cap": 5,
            "muscle_links-TOTAL_FORMS": 1, "muscle_links-0-muscle": Muscle.objects.get(slug="biceps-femoris").pk,
            "muscle_links-0-role": "primary", "use_case_links-TOTAL_FORMS": 1, "use_case_links-0-use_case": "cooldown",
            "steps-TOTAL_FORMS": 1, "steps-0-position": 1, "steps-0-phase": "execution",
            "steps-0-instruction": "Lie down and lift one straight leg until the back of the thigh pulls gently.",
        }
    )  # fmt: skip

    response = admin_client.post(url, data)

    exercise = Exercise.objects.get(slug="admin-stretch")
    records = list(exercise.history.all())
    assert response.status_code == 302
    assert exercise.content == content_of("admin-stretch")
    assert [(r.history_type, r.version, r.history_user, r.history_change_reason) for r in records] == [
        ("+", 1, admin_user, "admin")
    ]
    assert records[0].content == exercise.content


def test_admin_shows_an_exercises_history(admin_client, as_editor):
    patch(as_editor, "leg-swings", {"summary": "Swing each leg forward and back, loosely."}, etag_of("leg-swings"))
    exercise = Exercise.objects.get(slug="leg-swings")

    response = admin_client.get(reverse("admin:catalog_exercise_history", args=[exercise.pk]))

    assert response.status_code == 200
    assert "editor@example.com" in response.content.decode()


def test_admin_save_without_changes_records_nothing(admin_client):
    exercise = Exercise.objects.get(slug="leg-swings")
    url = reverse("admin:catalog_exercise_change", args=[exercise.pk])

    admin_client.post(url, unchanged_change_form(admin_client.get(url)))

    exercise.refresh_from_db()
    assert (exercise.version, exercise.history.count()) == (1, 1)


# The content shape ---------------------------------------------------------------------------------


def test_every_loaded_exercise_rebuilds_to_its_snapshot_and_passes_the_rules():
    vocab = catalog_vocabularies()
    slugs = set(Exercise.objects.values_list("slug", flat=True))

    for exercise in exercise_detail():
        content = exercise_as_content(exercise)
        checked = check_exercise(content, vocab, exercise.slug, exercises=slugs)

        assert content == exercise.content, exercise.slug
        assert canonical_content(checked) == content, exercise.slug


def test_check_exercise_reports_field_paths_on_a_plain_dict():
    body = exercise_body()
    body["doses"][0]["hold_seconds"] = {"min": 40, "max": 20}
    body["steps"][1]["phase"] = "finale"

    with pytest.raises(ContentError) as raised:
        check_exercise(body, catalog_vocabularies(), "exercise 'test'", exercises={"lying-hamstring-stretch"})

    assert [(p.field, p.code) for p in raised.value.issues] == [
        ("steps[1].phase", "invalid_choice"),
        ("doses[0].hold_seconds", "min_above_max"),
    ]
    assert raised.value.lines[1] == (
        "exercise 'test': field 'doses[0].hold_seconds': min (40) must not be greater than max (20)"
    )


def test_content_error_is_the_domains_invalid_data_with_each_field_problem():
    body = exercise_body()
    body["doses"][0]["hold_seconds"] = {"min": 40, "max": 20}

    with pytest.raises(InvalidData) as raised:
        check_exercise(body, catalog_vocabularies(), "exercise 'test'", exercises={"lying-hamstring-stretch"})

    assert isinstance(raised.value, ContentError)
    assert raised.value.problems == [
        FieldProblem("doses[0].hold_seconds", "min_above_max", "min (40) must not be greater than max (20)")
    ]
    assert str(raised.value) == "\n".join(raised.value.lines)


def test_merge_patch_follows_rfc_7396():
    target = {"a": {"b": 1, "c": 2}, "d": [1, 2], "e": "x"}

    assert merge_patch(target, {"a": {"b": None, "f": 3}, "d": [3], "e": None}) == {"a": {"c": 2, "f": 3}, "d": [3]}
    assert target == {"a": {"b": 1, "c": 2}, "d": [1, 2], "e": "x"}


# Query budgets -----------------------------------------------------------------------------------------

# Both: 3 to authenticate and check the permission, a savepoint (2), 5 vocabularies, 1 slug→id map, the
# exercise row and its history record (2), 8 inserts of child rows, 2 per many-to-many field, the relations
# (2), the catalog version (2), and the detail read back (13). Create adds a savepoint (2) that catches a
# slug taken meanwhile. Update adds the exercise looked up (1), locked (1) and rebuilt from its rows (12),
# and the 9 deletes of the child rows it replaces.
CREATE_QUERIES = 44
UPDATE_QUERIES = 63


@pytest.mark.parametrize("steps", [2, 8])
def test_create_query_count_does_not_grow_with_the_exercise(as_editor, django_assert_num_queries, steps):
    body = exercise_body(steps=steps)

    with django_assert_num_queries(CREATE_QUERIES):
        response = create(as_editor, body)

    assert response.status_code == 201
    assert len(response.json()["steps"]) == steps


@pytest.mark.parametrize("steps", [2, 8])
def test_update_query_count_does_not_grow_with_the_exercise(as_editor, django_assert_num_queries, steps):
    create(as_editor, exercise_body(steps=steps))
    etag = etag_of(SLUG)
    changed = exercise_body(steps=steps)["steps"]
    changed[-1]["checkpoint"] = "The leg stays straight."

    with django_assert_num_queries(UPDATE_QUERIES):
        response = patch(as_editor, SLUG, {"steps": changed}, etag)

    assert response.status_code == 200
    assert response.json()["steps"][-1]["checkpoint"] == "The leg stays straight."


# Catalog editors in the admin ------------------------------------------------------------------


@pytest.fixture
def editor_panel(editor):
    from django.test import Client

    browser = Client()
    browser.force_login(editor)
    return browser


def test_a_catalog_editor_edits_an_exercise_with_its_inlines_in_the_admin(editor_panel, editor):
    exercise = Exercise.objects.get(slug="leg-swings")
    url = reverse("admin:catalog_exercise_change", args=[exercise.pk])
    page = editor_panel.get(url)
    data = unchanged_change_form(page)
    data["doses-0-hold_seconds_max"] = 35

    response = editor_panel.post(url, data)

    exercise.refresh_from_db()
    latest = exercise.history.latest()
    assert page.status_code == 200
    assert page.context["has_change_permission"] is True
    assert {f.formset.prefix for f in page.context["inline_admin_formsets"]} >= {"steps", "doses"}
    assert response.status_code == 302
    assert exercise.content["doses"][0]["hold_seconds"]["max"] == 35
    assert (latest.history_user, latest.history_change_reason) == (editor, "admin")


def test_a_catalog_editor_reads_the_vocabularies_but_does_not_change_them(editor_panel):
    muscles = editor_panel.get(reverse("admin:catalog_muscle_changelist"))
    add_muscle = editor_panel.get(reverse("admin:catalog_muscle_add"))
    picker = editor_panel.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": "exercisemuscle", "field_name": "muscle", "term": "biceps-fem"},
    )

    assert (muscles.status_code, add_muscle.status_code, picker.status_code) == (200, 403, 200)
    assert [row["text"] for row in picker.json()["results"]] == ["Biceps femoris"]


def test_a_catalog_editor_cannot_delete_an_exercise_in_the_admin(editor_panel):
    exercise = Exercise.objects.get(slug="leg-swings")

    response = editor_panel.post(reverse("admin:catalog_exercise_delete", args=[exercise.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Exercise.objects.filter(pk=exercise.pk).exists()


def test_a_trainer_outside_the_editors_group_gets_no_catalog_pages(make_user):
    from django.test import Client

    browser = Client()
    browser.force_login(make_user("coach@example.com", role="trainer"))
    exercise = Exercise.objects.get(slug="leg-swings")

    changelist = browser.get(reverse("admin:catalog_exercise_changelist"))
    change = browser.get(reverse("admin:catalog_exercise_change", args=[exercise.pk]))

    assert (changelist.status_code, change.status_code) == (403, 403)
