"""`python manage.py purge_idempotency_records`: forget replayable responses past their retention.

Run it daily (cron or a scheduled job); records are promised for at least
24 hours and kept for `IDEMPOTENCY_RETENTION`.
"""

from django.core.management.base import BaseCommand

from sessions.api.idempotency import IDEMPOTENCY_RETENTION, idempotency_records_purge


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than the retention period (48 hours)."

    def handle(self, *args, **options):
        removed = idempotency_records_purge()
        hours = int(IDEMPOTENCY_RETENTION.total_seconds() // 3600)
        noun = "record" if removed == 1 else "records"
        self.stdout.write(self.style.SUCCESS(f"Removed {removed} idempotency {noun} older than {hours} hours."))
