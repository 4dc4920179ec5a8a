"""`manage.py export`: the API's exports from the shell, as an analyst."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from sessions.exports import pseudonyms
from sessions.models import ExportRecord

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(r"^rows=(\d+) bytes=(\d+) seconds=\d+\.\d\d$")


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_writes_a_file_and_prints_a_summary(world, tmp_path):
    target = tmp_path / "holds.csv"
    since = (world.start - timedelta(days=60)).date().isoformat()

    out, err = run("holds", "--format", "csv", "--since", since, "--output", str(target))

    lines = target.read_text().splitlines()
    summary = SUMMARY.match(err.strip())
    assert out == ""
    assert summary is not None, err
    assert (int(summary[1]), int(summary[2])) == (5, target.stat().st_size)
    assert len(lines) == 6
    assert lines[1].split(",")[2] == pseudonyms.pseudonym(pseudonyms.CLIENT, world.casey.pk)
    assert not list(tmp_path.glob("*.part"))
    record = ExportRecord.objects.get()
    assert (record.user, record.via, record.audience, record.rows, record.status) == (
        None, "command_line", "analyst", 5, "completed"
    )  # fmt: skip


def test_export_to_standard_output_with_filters(world):
    day = world.start.date().isoformat()

    out, err = run("sessions", "--format", "ndjson", "--since", day, "--until", day, "--exercise",
                   "lying-hamstring-stretch")  # fmt: skip

    assert [line.count('"session_id"') for line in out.splitlines()] == [1]
    assert world.ids["blank"] in out
    assert err.startswith("rows=1 bytes=")


def test_export_writes_fhir(world, tmp_path):
    target = tmp_path / "m.ndjson"

    run("measurements", "--format", "fhir", "--since", world.start.date().isoformat(), "--output", str(target))

    assert [line.startswith('{"resourceType":"Observation"') for line in target.read_text().splitlines()] == [True] * 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--since", "2020-01-01", "--until", "2022-01-01"],
            "--until: The range spans 732 days; at most 366 are allowed.",
        ),
        (["--since", "yesterday"], "'yesterday' is neither a date"),
        (["--since", "2026-01-01", "--client", "c_nobody"], "--client: No client has the pseudonym 'c_nobody'"),
    ],
)
def test_bad_arguments_export_nothing(world, tmp_path, args, message):
    target = tmp_path / "x.csv"

    with pytest.raises(CommandError, match=re.escape(message)):
        run("holds", *args, "--output", str(target))

    assert not target.exists()
    assert not ExportRecord.objects.exists()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_before_the_summary(world, tmp_path):
    err = Terminal()
    since = (world.start - timedelta(days=60)).date().isoformat()

    call_command("export", "holds", "--since", since, "--output", str(tmp_path / "h.csv"), stderr=err)

    *progress, summary = err.getvalue().rstrip("\n").split("\n")
    assert progress[-1].rsplit("\r", 1)[-1].startswith("[##############################] 100% 5/5 rows")
    assert SUMMARY.match(summary)
