from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from stretchapi.api.health import HealthView

api_v1 = [
    path("", include("catalog.api.urls")),
    path("", include("sessions.api.urls")),
]

urlpatterns = [
    # Whoever opens the bare address (a newcomer after `make run`) lands on the API docs.
    path("", RedirectView.as_view(pattern_name="swagger-ui", permanent=False), name="root"),
    path("api/v1/", include(api_v1)),
    path("api/health/", HealthView.as_view(), name="health"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("admin/", admin.site.urls),
]

handler500 = "stretchapi.api.middleware.server_error"
