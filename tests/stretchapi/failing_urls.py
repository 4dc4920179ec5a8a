"""The real URLs plus endpoints that fail on purpose, for the 500 and 503 tests."""

from django.db import connection, transaction
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


class SlowQueryView(APIView):
    """One statement that takes a second (PostgreSQL), in a transaction as a service's writes are."""

    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")
        return HttpResponse("finished")


urlpatterns = [
    path("api/v1/broken/", BrokenApiView.as_view()),
    path("api/v1/broken-plain/", broken_django_view),
    path("api/v1/slow/", SlowQueryView.as_view()),
    path("", include("stretchapi.urls")),
]
