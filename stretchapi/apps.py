from django.apps import AppConfig
from django.db.backends.signals import connection_created


class StretchAPIConfig(AppConfig):
    """The project package's cross-cutting pieces that hook into Django at start (no models)."""

    name = "stretchapi"
    verbose_name = "StretchAPI"

    def ready(self) -> None:
        from .db import use_compiled_timestamps

        connection_created.connect(use_compiled_timestamps, dispatch_uid="stretchapi.db.use_compiled_timestamps")
