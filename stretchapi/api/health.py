"""Liveness and readiness in one: the service answers and its database does too."""

from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .errors import database_unavailable


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        operation_id="health_retrieve",
        summary="Health check",
        tags=["service"],
        responses={200: inline_serializer("Health", {"status": serializers.CharField()})},
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:  # any database failure means "not ready": 503 with Retry-After
            raise database_unavailable(exc, request) from exc
        return Response({"status": "ok"})
