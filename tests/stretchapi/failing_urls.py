"""The real URLs plus endpoints that fail on purpose, for the 500 and 503 tests."""

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from rest_framework.views import APIView


class BrokenApiView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        raise RuntimeError("a bug in a view")


def broken_django_view(request) -> HttpResponse:
    raise RuntimeError("a bug in a plain view")


def plain_database_view(request) -> JsonResponse:
    """A view outside DRF that reads the database."""
    return JsonResponse({"users": get_user_model().objects.count()})


class DatabaseReadingMiddleware:
    """Reads the database after the view answered, as a session save does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        get_user_model().objects.exists()
        return response


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
    path("api/v1/plain-database/", plain_database_view),
    path("api/v1/slow/", SlowQueryView.as_view()),
    path("", include("stretchapi.urls")),
]
