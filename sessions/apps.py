from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class StretchSessionsConfig(AppConfig):
    """Logged stretching sessions.

    The label is not the default `sessions`: `django.contrib.sessions` owns it.
    """

    name = "sessions"
    label = "stretch_sessions"
    verbose_name = "Logged sessions"


class PanelAdminConfig(AdminConfig):
    """Django's admin, with the trainer panel's site (`sessions.admin_site.PanelSite`) as `admin.site`.
    Outside `sessions/admin/`: importing that package registers every model admin on `admin.site`,
    which must exist first."""

    default_site = "sessions.admin_site.PanelSite"
