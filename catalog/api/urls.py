from django.urls import re_path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("exercises", views.ExerciseViewSet, basename="exercise")
router.register("muscles", views.MuscleViewSet, basename="muscle")
router.register("body-regions", views.BodyRegionViewSet, basename="body-region")
router.register("equipment", views.EquipmentViewSet, basename="equipment")
router.register("stop-signs", views.StopSignViewSet, basename="stop-sign")
router.register("contraindications", views.ContraindicationViewSet, basename="contraindication")

urlpatterns = [
    re_path(
        rf"^exercises/(?P<slug>{views.SLUG_REGEX})/history/$",
        views.ExerciseHistoryView.as_view(),
        name="exercise-history",
    ),
    *router.urls,
]
