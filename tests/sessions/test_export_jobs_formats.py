"""The four formats of one export job hold the same content: the CSV (COPY on PostgreSQL), the NDJSON,
the FHIR NDJSON (the resources of the NDJSON's rows) and the Parquet file read back with pyarrow, for
every dataset and both audiences; and the Parquet columns carry the dictionary's types."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sessions.exports import fhir
from sessions.exports.datasets import _timestamp_text
from tests.conftest import bearer_client
from tests.sessions.exports_world import World
from tests.sessions.test_export_jobs import run_worker

pytestmark = pytest.mark.django_db

DATASETS = ["sessions", "holds", "stop-events", "measurements"]
FORMATS = ["csv", "ndjson", "fhir", "parquet"]


@pytest.fixture(autouse=True)
def exports_folder(settings, tmp_path):
    folder = tmp_path / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}},
    }
    return folder


def job_files(world: World, user, dataset: str, capture) -> dict[str, bytes]:
    """One job per format with the same filters, run by the worker; each job's one file's bytes."""
    api = bearer_client(user)
    urls = {}
    body = {"since": (world.start - timedelta(days=60)).date().isoformat()}
    for fmt in FORMATS:
        with capture(execute=True):
            response = api.post(f"/api/v1/exports/{dataset}/jobs/", {**body, "format": fmt}, format="json")
        assert response.status_code == 202, response.content
        urls[fmt] = response["Content-Location"]
    run_worker()
    files = {}
    for fmt, url in urls.items():
        status = api.get(url).json()
        assert status["status"] == "completed", status
        [file] = status["files"]
        response = api.get(file["url"])
        files[fmt] = b"".join(response.streaming_content)
        assert len(files[fmt]) == file["bytes"]
    return files


def text(value) -> str:
    """A value as the CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _timestamp_text(value)
    return str(value)


@pytest.mark.parametrize("audience", ["analyst", "trainer"])
@pytest.mark.parametrize("dataset", DATASETS)
def test_csv_ndjson_fhir_and_parquet_of_one_export_hold_the_same_content(
    world, dataset, audience, django_capture_on_commit_callbacks
):
    files = job_files(world, getattr(world, audience), dataset, django_capture_on_commit_callbacks)

    from_csv = list(csv.DictReader(io.StringIO(files["csv"].decode())))
    from_ndjson = [json.loads(line) for line in files["ndjson"].decode().splitlines()]
    from_parquet = pq.read_table(io.BytesIO(files["parquet"])).to_pylist()
    from_fhir = [json.loads(line) for line in files["fhir"].decode().splitlines()]

    assert from_csv  # something to compare
    assert [{k: text(v) for k, v in row.items()} for row in from_ndjson] == from_csv
    assert [{k: text(v) for k, v in row.items()} for row in from_parquet] == from_csv
    assert from_fhir == [resource for row in from_ndjson for resource in fhir.BUILDERS[dataset](row)]


def test_parquet_columns_carry_the_dictionary_types(world, django_capture_on_commit_callbacks):
    files = job_files(world, world.analyst, "holds", django_capture_on_commit_callbacks)

    table = pq.read_table(io.BytesIO(files["parquet"]))
    types = {field.name: field.type for field in table.schema}
    assert types["session_started_at"] == pa.timestamp("us", tz="UTC")
    assert types["intensity"] == types["held_seconds"] == types["pain"] == pa.int16()
    assert types["side"] == types["exercise"] == pa.dictionary(pa.int32(), pa.string())
    assert types["client"] == types["hold_id"] == pa.string()  # a pseudonym; a UUID
    assert types["above_target"] == pa.bool_()
    assert table.schema.metadata[b"export_dictionary_version"] == b"1.0"
    metadata = pq.ParquetFile(io.BytesIO(files["parquet"])).metadata
    assert metadata.num_rows == 5


def test_parquet_is_written_one_row_group_per_configured_rows(world, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_PARQUET_ROW_GROUP_ROWS = 2

    files = job_files(world, world.analyst, "holds", django_capture_on_commit_callbacks)

    metadata = pq.ParquetFile(io.BytesIO(files["parquet"])).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [2, 2, 1]
