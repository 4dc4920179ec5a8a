"""`python manage.py load_catalog`: load catalog/data/ into the database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.content import DEFAULT_DATA_DIR, ContentError
from catalog.services import catalog_load


class Command(BaseCommand):
    help = "Load the exercise catalog from its data files. Idempotent; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="Folder holding the data files.")
        parser.add_argument(
            "--force", action="store_true", help="Rewrite every exercise even if its file is unchanged."
        )

    def handle(self, *args, data_dir: Path, force: bool, **options):
        try:
            report = catalog_load(data_dir=data_dir, force=force)
        except ContentError as exc:
            lines = "\n".join(f"  - {p}" for p in exc.lines)
            raise CommandError(
                f"Catalog not loaded; the database is unchanged. {len(exc.lines)} problem(s):\n{lines}"
            ) from exc
        for change in report.vocabulary_changes:
            self.stdout.write(f"  {change}")
        for slug in report.created:
            self.stdout.write(f"  exercise '{slug}' created")
        for slug in report.updated:
            self.stdout.write(f"  exercise '{slug}' updated")
        if report.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Catalog loaded: {len(report.created)} created, {len(report.updated)} updated, "
                    f"{len(report.unchanged)} unchanged, {len(report.vocabulary_changes)} vocabulary change(s); "
                    f"catalog version {report.version}."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Catalog unchanged: {len(report.unchanged)} exercises already up to date "
                    f"(version {report.version})."
                )
            )
