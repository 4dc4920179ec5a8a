"""Export jobs: kick-off, status, download, cancel; owner-only access; bad input as problems naming
the field; the sweep that fails jobs whose worker died and deletes expired ones."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from rest_framework.test import APIClient

from sessions.choices import ExportStatus
from sessions.exports.jobs import JobHeartbeat, expired_jobs_delete, exports_storage, stale_jobs_fail
from sessions.models import AccessLogEntry, ExportJob, ExportJobStatus, ExportRecord, User
from tests.conftest import bearer_client
from tests.sessions.exports_world import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def exports_folder(settings, tmp_path):
    """The exports storage in a folder of this test's own."""
    folder = tmp_path / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}},
    }
    return folder


def run_worker() -> None:
    """The worker command, in this process, until the queue holds nothing ready.

    The worker closes obsolete connections between tasks, as a request does; inside a test's
    transaction that would close the test's own PostgreSQL connection (Django's test client
    disconnects the same call from its request signals), so it is left out here."""
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        call_command("worker", batch=True, interval=0, startup_delay=False, verbosity=0)


def since(world: World) -> str:
    return (world.start - timedelta(days=60)).date().isoformat()


def kick_off(api: APIClient, capture, dataset: str = "holds", **body):
    with capture(execute=True):
        return api.post(f"/api/v1/exports/{dataset}/jobs/", body, format="json")


def download(api: APIClient, url: str):
    response = api.get(url)
    return response, b"".join(response.streaming_content) if response.streaming else response.content


def test_a_job_is_accepted_then_run_by_the_worker_and_its_file_is_the_streamed_export(
    world, django_capture_on_commit_callbacks
):
    api = bearer_client(world.analyst)
    response = kick_off(api, django_capture_on_commit_callbacks, since=since(world), format="csv")

    assert response.status_code == 202, response.content
    job = response.json()
    assert response["Content-Location"] == response["Location"] == job["url"]
    assert job["url"] == f"http://testserver/api/v1/exports/jobs/{job['id']}/"
    assert (job["status"], job["rows"], job["files"], job["dataset"], job["format"]) == (
        "queued", 0, [], "holds", "csv"
    )  # fmt: skip
    assert response["Retry-After"] == "5"
    assert ExportRecord.objects.count() == 0  # recorded when it runs

    run_worker()

    status = api.get(job["url"])
    assert status.status_code == 200
    assert not status.has_header("Retry-After")
    done = status.json()
    assert (done["status"], done["rows"], done["error"]) == ("completed", 5, "")
    [file] = done["files"]
    _, streamed = download(api, f"/api/v1/exports/holds/?since={since(world)}&format=csv")
    assert (file["type"], file["name"], file["media_type"], file["rows"], file["bytes"]) == (
        "holds", "holds.csv", "text/csv", 5, len(streamed)
    )  # fmt: skip
    got, body = download(api, file["url"])
    assert got.status_code == 200
    assert got["Content-Type"] == "text/csv"
    assert got["Content-Disposition"] == 'attachment; filename="holds.csv"'
    assert body == streamed
    record = ExportRecord.objects.get(job__pk=job["id"])
    assert (record.status, record.rows, record.bytes, record.audience) == ("completed", 5, len(streamed), "analyst")


def test_a_trainer_job_is_recorded_in_the_access_log_of_each_consented_client(
    world, django_capture_on_commit_callbacks
):
    api = bearer_client(world.trainer)
    response = kick_off(api, django_capture_on_commit_callbacks, "sessions", since=since(world), format="ndjson")
    assert response.status_code == 202, response.content
    run_worker()

    done = api.get(response["Content-Location"]).json()
    assert done["status"] == "completed"
    assert done["files"][0]["rows"] == 3  # Casey's two sessions and Blank's; never Olive's
    logged = AccessLogEntry.objects.filter(trainer=world.trainer, resource="export sessions")
    assert sorted(logged.values_list("client_id", flat=True)) == sorted([world.casey.pk, world.blank.pk])


def test_a_fhir_job_writes_one_file_per_resource_type(world, django_capture_on_commit_callbacks):
    api = bearer_client(world.analyst)
    url = kick_off(api, django_capture_on_commit_callbacks, since=since(world), format="fhir")["Content-Location"]
    run_worker()

    [file] = api.get(url).json()["files"]
    assert (file["type"], file["name"], file["media_type"], file["rows"]) == (
        "Observation", "Observation.ndjson", "application/fhir+ndjson", 6  # 5 intensities, 1 pain
    )  # fmt: skip


OTHERS = ["another analyst", "the trainer", "a client", "anonymous"]


def _other(world: World, who: str) -> APIClient:
    if who == "another analyst":
        from django.contrib.auth.models import Group

        other = User.objects.create_user(email="ann@example.com", password="x-long-Passphrase-1", role="staff")
        other.groups.add(Group.objects.get(name="Analysts"))
        return bearer_client(other)
    if who == "the trainer":
        return bearer_client(world.trainer)
    if who == "a client":
        return bearer_client(world.casey)
    return APIClient()


@pytest.mark.parametrize("who", OTHERS)
def test_only_its_owner_sees_downloads_or_deletes_a_job(world, who, django_capture_on_commit_callbacks):
    owner = bearer_client(world.analyst)
    url = kick_off(owner, django_capture_on_commit_callbacks, since=since(world))["Content-Location"]
    run_worker()
    file_url = owner.get(url).json()["files"][0]["url"]
    other = _other(world, who)
    expected = 401 if who == "anonymous" else 404

    answers = [other.get(url).status_code, download(other, file_url)[0].status_code, other.delete(url).status_code]

    assert answers == [expected] * 3
    assert owner.get(url).status_code == 200
    assert download(owner, file_url)[0].status_code == 200


def test_a_client_may_not_start_an_export_job(world, django_capture_on_commit_callbacks):
    response = kick_off(bearer_client(world.casey), django_capture_on_commit_callbacks, since=since(world))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert ExportJob.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "since", "required"),
        ({"since": "2026-13-01"}, "since", "invalid"),
        ({"since": "SINCE", "until": "2020-01-01"}, "until", "range_empty"),
        ({"since": "SINCE", "format": "xlsx"}, "format", "invalid_choice"),
        ({"since": "SINCE", "exercise": "no-such-stretch"}, "exercise", "invalid_choice"),
        ({"since": "SINCE", "client": "c_nobody"}, "client", "invalid_choice"),
        ({"since": "SINCE", "colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field_and_queues_nothing(
    world, body, field, code, django_capture_on_commit_callbacks
):
    body = {key: since(world) if value == "SINCE" else value for key, value in body.items()}
    response = kick_off(bearer_client(world.analyst), django_capture_on_commit_callbacks, **body)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert ExportJob.objects.count() == 0


def test_a_trainer_may_not_name_a_client_who_did_not_consent(world, django_capture_on_commit_callbacks):
    api = bearer_client(world.trainer)
    response = kick_off(api, django_capture_on_commit_callbacks, since=since(world), client=str(world.olive.pk))
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("client", "invalid_choice")]


def test_an_unknown_dataset_is_a_404(world, django_capture_on_commit_callbacks):
    response = kick_off(bearer_client(world.analyst), django_capture_on_commit_callbacks, "photos", since="2026-01-01")
    assert response.status_code == 404
    assert ExportJob.objects.count() == 0


def test_deleting_a_queued_job_cancels_it_before_it_runs(world, django_capture_on_commit_callbacks):
    api = bearer_client(world.analyst)
    url = kick_off(api, django_capture_on_commit_callbacks, since=since(world))["Content-Location"]

    assert api.delete(url).status_code == 204
    run_worker()

    assert api.get(url).status_code == 404
    assert ExportJob.objects.count() == 0
    assert ExportRecord.objects.count() == 0


def test_deleting_a_completed_job_removes_its_files(world, exports_folder, django_capture_on_commit_callbacks):
    api = bearer_client(world.analyst)
    url = kick_off(api, django_capture_on_commit_callbacks, since=since(world), format="parquet")["Content-Location"]
    run_worker()
    file_url = api.get(url).json()["files"][0]["url"]
    assert [p.name for p in exports_folder.rglob("*.parquet")] == ["holds.parquet"]

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(url).status_code == 204

    assert list(exports_folder.rglob("*.parquet")) == []
    assert api.get(url).status_code == 404
    assert download(api, file_url)[0].status_code == 404
    assert ExportRecord.objects.get().status == ExportStatus.COMPLETED  # the record outlives the job


def test_a_running_job_whose_row_is_gone_is_stopped_at_its_next_heartbeat(world, django_capture_on_commit_callbacks):
    api = bearer_client(world.analyst)
    url = kick_off(api, django_capture_on_commit_callbacks, since=since(world))["Content-Location"]
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJobStatus.RUNNING)
    heartbeat = JobHeartbeat(job.pk)
    heartbeat.rows = 7

    heartbeat.beat()
    assert not heartbeat.stopped_by_owner.is_set()
    assert ExportJob.objects.get().rows == 7  # progress, as the status shows it
    assert api.get(url).json()["rows"] == 7
    assert api.delete(url).status_code == 204
    heartbeat.beat()

    assert heartbeat.stopped_by_owner.is_set()


def test_the_sweep_fails_a_running_job_whose_heartbeat_is_older_than_the_lease(world, settings):
    settings.EXPORT_JOB_LEASE_SECONDS = 60
    now = timezone.now()
    record = ExportRecord.objects.create(user=world.analyst, via="api", audience="analyst", dataset="holds",
                                         format="csv", filters={})  # fmt: skip
    fields = {"user": world.analyst, "dataset": "holds", "format": "csv", "filters": {}}
    dead = ExportJob.objects.create(
        **fields, status=ExportJobStatus.RUNNING, heartbeat_at=now - timedelta(seconds=61), rows=1200, record=record
    )
    alive = ExportJob.objects.create(**fields, status=ExportJobStatus.RUNNING, heartbeat_at=now - timedelta(seconds=30))
    queued = ExportJob.objects.create(**fields)

    assert stale_jobs_fail(now=now) == 1
    assert stale_jobs_fail(now=now) == 0

    dead.refresh_from_db()
    assert dead.status == ExportJobStatus.FAILED
    seen = (now - timedelta(seconds=61)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert dead.error == (
        f"The worker running this export stopped (no heartbeat since {seen}, after 1200 rows). "
        "Ask for the export again."
    )
    assert dead.expires_at == now + timedelta(hours=24)
    record.refresh_from_db()
    assert (record.status, record.rows) == (ExportStatus.FAILED, 1200)
    statuses = ExportJob.objects.filter(pk__in=[alive.pk, queued.pk]).order_by("created_at")
    assert list(statuses.values_list("status", flat=True)) == ["running", "queued"]


def test_expired_jobs_are_deleted_with_their_files(world, exports_folder, django_capture_on_commit_callbacks):
    api = bearer_client(world.analyst)
    first = kick_off(api, django_capture_on_commit_callbacks, since=since(world))["Content-Location"]
    second = kick_off(api, django_capture_on_commit_callbacks, since=since(world), format="ndjson")["Content-Location"]
    run_worker()
    ExportJob.objects.filter(format="csv").update(expires_at=timezone.now() - timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert expired_jobs_delete() == 1

    assert api.get(first).status_code == 404
    assert api.get(second).json()["status"] == "completed"
    assert sorted(p.name for p in exports_folder.rglob("*.*")) == ["holds.ndjson"]
    assert not exports_storage().exists(f"{ExportJob.objects.get().pk}/holds.csv")


def test_the_status_costs_the_same_queries_queued_and_completed(
    world, django_assert_num_queries, django_capture_on_commit_callbacks
):
    api = bearer_client(world.analyst)
    queued = kick_off(api, django_capture_on_commit_callbacks, since=since(world))["Content-Location"]
    api.get(queued)  # warm the permission caches of this request path
    # the device token with its user (one query), the audience (the filters as it sees them), the job, its files
    with django_assert_num_queries(5) as captured:
        assert api.get(queued).json()["status"] == "queued"
    run_worker()
    with django_assert_num_queries(len(captured.captured_queries)):
        assert len(api.get(queued).json()["files"]) == 1
