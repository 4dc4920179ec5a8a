from django.urls import path
from rest_framework.routers import SimpleRouter

from . import accounts, export_jobs, exports, me, progress, sessions, trainer, webhooks

router = SimpleRouter(trailing_slash=True)
router.register("sessions", sessions.SessionViewSet, basename="session")
router.register("me/trainers", me.MyTrainersViewSet, basename="my-trainer")
router.register("me/access-log", me.MyAccessLogViewSet, basename="my-access-log")
router.register("me/alerts", me.MyAlertsViewSet, basename="my-alert")
router.register("trainer/clients", trainer.TrainerClientViewSet, basename="trainer-client")
router.register(
    r"trainer/clients/(?P<client_id>[0-9]+)/sessions",
    trainer.TrainerClientSessionViewSet,
    basename="trainer-client-session",
)
router.register("trainer/alerts", trainer.TrainerAlertViewSet, basename="trainer-alert")
router.register("trainer/alert-groups", trainer.TrainerAlertGroupViewSet, basename="trainer-alert-group")
router.register(
    r"trainer/clients/(?P<client_id>[0-9]+)/programs",
    trainer.TrainerClientProgramViewSet,
    basename="trainer-client-program",
)
router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    path("auth/register/", accounts.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", accounts.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", accounts.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", accounts.LogoutAllView.as_view(), name="auth-logout-all"),
    path("me/", accounts.MeView.as_view(), name="me"),
    path("progress/", progress.ProgressView.as_view(), name="progress"),
    path("me/program/", me.MyProgramView.as_view(), name="my-program"),
    path("me/health/", me.MyHealthView.as_view(), name="my-health"),
    path("trainer/invitations/", trainer.InvitationView.as_view(), name="trainer-invitation"),
    path(
        "trainer/clients/<int:client_id>/progress/",
        trainer.TrainerClientProgressView.as_view(),
        name="trainer-client-progress",
    ),
    path(
        "trainer/clients/<int:client_id>/health/",
        trainer.TrainerClientHealthView.as_view(),
        name="trainer-client-health",
    ),
    path("exports/jobs/<uuid:job_id>/", export_jobs.ExportJobView.as_view(), name="export-job"),
    path(
        "exports/jobs/<uuid:job_id>/files/<str:name>", export_jobs.ExportJobFileView.as_view(), name="export-job-file"
    ),
    path("exports/<str:dataset>/jobs/", export_jobs.ExportJobKickOffView.as_view(), name="export-job-kick-off"),
    path("exports/<str:dataset>/", exports.ExportView.as_view(), name="export"),
    path(
        "notifications/preferences/",
        webhooks.NotificationPreferenceView.as_view(),
        name="notification-preferences",
    ),
    *router.urls,
]
