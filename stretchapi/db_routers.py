"""Database routing: analysts' export reads may go to a read replica.

Exports are long sequential reads over months of data; on a busy deployment
they belong on a replica (`ANALYTICS_DATABASE_URL` adds the `analytics` alias
and makes it `EXPORT_DATABASE`). The export code marks its querysets with the
`EXPORT_HINT` hint (`Model.objects.db_manager(hints=EXPORT_READ)`); only those
reads are routed, everything else — including the export's own record, a
write — stays on `default`. A replica is never migrated: it follows its primary.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

ANALYTICS = "analytics"
EXPORT_HINT = "export_read"
EXPORT_READ = {EXPORT_HINT: True}


def export_database() -> str:
    """The alias export reads use: `analytics` when configured, else `default`."""
    return getattr(settings, "EXPORT_DATABASE", DEFAULT_DB_ALIAS)


class AnalyticsRouter:
    def db_for_read(self, model, **hints) -> str | None:
        return export_database() if hints.get(EXPORT_HINT) else None

    def db_for_write(self, model, **hints) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # Rows read from the replica are the primary's rows.
        aliases = {DEFAULT_DB_ALIAS, ANALYTICS}
        return True if {obj1._state.db, obj2._state.db} <= aliases else None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool | None:
        return False if db == ANALYTICS else None
