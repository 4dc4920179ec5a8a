from django.urls import path
from rest_framework.routers import SimpleRouter

from . import exports, trainer, views

router = SimpleRouter(trailing_slash=True)
router.register("sessions", views.SessionViewSet, basename="session")
router.register("me/trainers", trainer.MyTrainersViewSet, basename="my-trainer")
router.register("me/access-log", trainer.MyAccessLogViewSet, basename="my-access-log")
router.register("trainer/clients", trainer.TrainerClientViewSet, basename="trainer-client")
router.register(
    r"trainer/clients/(?P<client_id>[0-9]+)/sessions",
    trainer.TrainerClientSessionViewSet,
    basename="trainer-client-session",
)
router.register("trainer/alerts", trainer.TrainerAlertViewSet, basename="trainer-alert")
router.register(
    r"trainer/clients/(?P<client_id>[0-9]+)/programs",
    trainer.TrainerClientProgramViewSet,
    basename="trainer-client-program",
)

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("me/", views.MeView.as_view(), name="me"),
    path("progress/", views.ProgressView.as_view(), name="progress"),
    path("me/program/", trainer.MyProgramView.as_view(), name="my-program"),
    path("trainer/invitations/", trainer.InvitationView.as_view(), name="trainer-invitation"),
    path(
        "trainer/clients/<int:client_id>/progress/",
        trainer.TrainerClientProgressView.as_view(),
        name="trainer-client-progress",
    ),
    path("exports/<str:dataset>/", exports.ExportView.as_view(), name="export"),
    *router.urls,
]
