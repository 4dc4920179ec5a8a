from django.apps import AppConfig


class StretchSessionsConfig(AppConfig):
    """Logged stretching sessions.

    The label is not the default `sessions`: `django.contrib.sessions` owns it.
    """

    name = "sessions"
    label = "stretch_sessions"
    verbose_name = "Logged sessions"
