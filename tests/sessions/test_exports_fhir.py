"""FHIR output: every resource validates against the FHIR R4 structures (fhir.resources, R4B models,
whose Observation and Procedure are R4's), and carries the standard codes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fhir.resources.R4B import get_fhir_model_class

from sessions.exports import pseudonyms
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

LOINC_PAIN = {"system": "http://loinc.org", "code": "72514-3",
              "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}  # fmt: skip


def fhir_export(world, user, dataset: str) -> list[dict]:
    since = (world.start - timedelta(days=60)).date().isoformat()
    response = bearer_client(user).get(f"/api/v1/exports/{dataset}/", {"since": since, "format": "fhir"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    return [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]


@pytest.mark.parametrize("dataset", ["sessions", "holds", "stop-events", "measurements"])
@pytest.mark.parametrize("who", ["analyst", "trainer"])
def test_every_resource_validates_as_fhir(world, dataset, who):
    resources = fhir_export(world, getattr(world, who), dataset)

    assert resources
    for resource in resources:
        model = get_fhir_model_class(resource["resourceType"])
        parsed = model.model_validate(resource)  # raises on any structural error or unknown element
        assert parsed.id == resource["id"]
    assert len({r["id"] for r in resources}) == len(resources)


def test_a_hold_is_an_intensity_observation_and_a_pain_observation(world):
    resources = {r["id"]: r for r in fhir_export(world, world.analyst, "holds")}

    hold = world.ids["hold_right"]
    intensity, pain = resources[f"{hold}-intensity"], resources[f"{hold}-pain"]
    assert f"{world.ids['hold_left']}-pain" not in resources  # no rating, no pain observation
    assert pain["code"]["coding"] == [LOINC_PAIN]
    assert pain["valueInteger"] == 2
    assert intensity["code"]["coding"][0]["code"] == "stretch-intensity"
    assert intensity["valueInteger"] == 8
    assert intensity["bodySite"]["coding"] == [
        {"system": "http://snomed.info/sct", "code": "24028007", "display": "Right"}
    ]
    assert intensity["partOf"] == [{"reference": f"Procedure/{world.ids['main']}"}]
    assert intensity["subject"] == {
        "identifier": {
            "system": "urn:stretchapi:fhir:client-pseudonym",
            "value": pseudonyms.pseudonym(pseudonyms.CLIENT, world.casey.pk),
        }
    }
    assert intensity["effectiveDateTime"] == (world.start + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_measurement_has_a_ucum_quantity_and_its_side(world):
    resources = {r["id"]: r for r in fhir_export(world, world.analyst, "measurements")}

    angle = resources[world.ids["angle"]]
    reach = next(r for r in resources.values() if r["id"] != world.ids["angle"])
    assert angle["valueQuantity"] == {
        "value": 74.0,
        "unit": "deg",
        "system": "http://unitsofmeasure.org",
        "code": "deg",
    }
    assert angle["bodySite"]["coding"][0]["code"] == "7771000"
    assert reach["valueQuantity"]["code"] == "cm"
    assert reach["valueQuantity"]["value"] == -3.5
    assert "bodySite" not in reach
    assert reach["component"][0]["valueQuantity"]["value"] == 23.0


def test_a_session_is_a_procedure_with_its_period_and_trainer(world):
    resources = {r["id"]: r for r in fhir_export(world, world.trainer, "sessions")}

    main = resources[world.ids["main"]]
    assert main["resourceType"] == "Procedure"
    assert main["status"] == "completed"
    assert main["performedPeriod"]["start"] == world.start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert main["subject"] == {
        "identifier": {"system": "urn:stretchapi:fhir:user-id", "value": str(world.casey.pk)},
        "display": 'Casey "CJ" Jones, Jr.',
    }
    assert main["performer"] == [
        {"actor": {"identifier": {"system": "urn:stretchapi:fhir:user-id", "value": str(world.trainer.pk)}}}
    ]
    assert main["note"] == [{"text": 'Right side tight, "very" tight,\nbetter after'}]
