"""`python manage.py export DATASET --since YYYY-MM-DD [--until …] [--format csv|ndjson|fhir] [--output PATH|-]`.

The API's exports from the shell, as an analyst: every client, pseudonymized,
with the same filters, the same bytes (COPY on PostgreSQL) and the
same export record (no user, via the command line). A progress line goes to
stderr when stderr is a terminal; the last line on stderr is always the
summary `rows=N bytes=B seconds=S`. A file is written under a temporary name
and renamed when the export is complete, so a failed export leaves no partial file.
"""

from __future__ import annotations

import codecs
import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sessions.choices import ExportVia
from sessions.exports import services
from sessions.exports.datasets import ANALYST, DATASETS
from sessions.exports.queries import rows
from stretchapi.errors import InvalidData

PROGRESS_EVERY_SECONDS = 0.2
BAR_WIDTH = 30


def _moment(text: str):
    try:
        return services.parse_moment(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


class Command(BaseCommand):
    help = (
        "Export sessions, holds, stop-events or measurements as CSV, NDJSON or FHIR NDJSON, every client "
        "pseudonymized (as an analyst). Prints rows=N bytes=B seconds=S on stderr at the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("dataset", choices=list(DATASETS))
        parser.add_argument("--format", default="csv", choices=services.FORMATS)
        parser.add_argument(
            "--since", required=True, help="Start, inclusive: YYYY-MM-DD (UTC) or a datetime with offset."
        )
        parser.add_argument(
            "--until", help="End: a date includes that whole day; a datetime is exclusive. Default: now."
        )
        parser.add_argument("--exercise", help="An exercise slug.")
        parser.add_argument("--client", help="One client, by pseudonym (c_…).")
        parser.add_argument("--trainer", help="Sessions assisted by one trainer, by pseudonym (t_…).")
        parser.add_argument("--output", default="-", help="A file to write, or - for standard output (the default).")

    def handle(self, *args, dataset: str, format: str, since: str, until: str | None, output: str, **options):
        try:
            filters = services.export_filters(
                audience=ANALYST,
                since=_moment(since),
                until=_moment(until) if until else None,
                exercise=options["exercise"],
                client=options["client"],
                trainer=options["trainer"],
            )
        except InvalidData as exc:
            reasons = "; ".join(f"--{field}: {m}" for field, problems in exc.errors.items() for _, m in problems)
            raise CommandError(f"Nothing exported. {reasons}") from exc

        self.stderr.style_func = None  # progress and summary are plain text, not error red
        progress = self.stderr.isatty()
        total = rows(dataset, filters, ANALYST).count() if progress else None
        started = time.monotonic()
        run = services.export_start(
            dataset=dataset, fmt=format, filters=filters, audience=ANALYST, user=None, via=ExportVia.COMMAND_LINE
        )
        if output == "-":
            self._write(run, self._stdout_writer(), progress, total, started)
        else:
            path = Path(output)
            partial = path.with_name(path.name + ".part")
            try:
                with partial.open("wb") as file:
                    self._write(run, file.write, progress, total, started)
                os.replace(partial, path)
            finally:
                partial.unlink(missing_ok=True)
        seconds = time.monotonic() - started
        self.stderr.write(f"rows={run.progress.rows} bytes={run.progress.bytes} seconds={seconds:.2f}")

    def _stdout_writer(self):
        binary = getattr(self.stdout, "buffer", None)  # the real stdout takes bytes; a StringIO in tests, text
        if binary is not None:
            return binary.write
        decoder = codecs.getincrementaldecoder("utf-8")()
        return lambda data: self.stdout.write(decoder.decode(data), ending="")

    def _write(self, run, write, progress: bool, total: int | None, started: float) -> None:
        shown = 0.0
        for chunk in run.stream:
            write(chunk)
            now = time.monotonic()
            if progress and now - shown >= PROGRESS_EVERY_SECONDS:
                shown = now
                self._progress(run.progress, total, now - started)
        if progress:
            self._progress(run.progress, total, time.monotonic() - started)
            self.stderr.write("")

    def _progress(self, done, total: int | None, seconds: float) -> None:
        """One line, redrawn in place: `[#######.............] 35% 12,345/35,000 rows 1.2 MB 3.1 s`."""
        share = min(done.rows / total, 1.0) if total else 1.0
        bar = "#" * round(share * BAR_WIDTH)
        line = (
            f"[{bar:.<{BAR_WIDTH}}] {share:4.0%} {done.rows:,}/{total:,} rows {done.bytes / 1e6:.1f} MB {seconds:.1f} s"
        )
        self.stderr.write("\r" + line, ending="")
