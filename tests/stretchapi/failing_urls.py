"""The real URLs plus endpoints that fail on purpose, for the 500 tests."""

from django.http import HttpResponse
from django.urls import include, path
from rest_framework.views import APIView


class BrokenApiView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        raise RuntimeError("a bug in a view")


def broken_django_view(request) -> HttpResponse:
    raise RuntimeError("a bug in a plain view")


urlpatterns = [
    path("api/v1/broken/", BrokenApiView.as_view()),
    path("api/v1/broken-plain/", broken_django_view),
    path("", include("stretchapi.urls")),
]
