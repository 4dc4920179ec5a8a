"""`/webhooks/` (a trainer's or staff member's webhook endpoints and their delivery logs) and
`/notifications/preferences/` (how a trainer gets alert emails)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from sessions import access
from sessions.models import WebhookEndpoint
from sessions.notifications import selectors as notification_selectors
from sessions.notifications import services as notification_services
from sessions.webhooks import selectors, services

from .permissions import IsTrainerOrStaff
from .serializers.webhooks import (
    NotificationPreferenceInputSerializer,
    NotificationPreferenceSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateSerializer,
)

TAG_WEBHOOKS = "webhooks"


@extend_schema_view(
    list=extend_schema(operation_id="webhook_list", summary="My webhook endpoints", tags=[TAG_WEBHOOKS]),
    retrieve=extend_schema(operation_id="webhook_detail", summary="One of my webhook endpoints", tags=[TAG_WEBHOOKS]),
    destroy=extend_schema(
        operation_id="webhook_delete", summary="Remove an endpoint and its delivery log", tags=[TAG_WEBHOOKS]
    ),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Endpoints receive signed events (Standard Webhooks) of the clients their owner may read."""

    serializer_class = WebhookEndpointSerializer
    permission_classes = [IsTrainerOrStaff]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return selectors.owner_endpoints(owner=self.request.user)

    @extend_schema(
        operation_id="webhook_create",
        summary="Register an endpoint; its secret is shown this once",
        tags=[TAG_WEBHOOKS],
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointCreatedSerializer},
    )
    def create(self, request: Request) -> Response:
        data = WebhookEndpointInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(owner=request.user, **data.validated_data)
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="webhook_update",
        summary="Change an endpoint's URL, events or description, or turn it back on",
        tags=[TAG_WEBHOOKS],
        request=WebhookEndpointUpdateSerializer,
        responses={200: WebhookEndpointSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        endpoint = self.get_object()
        data = WebhookEndpointUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(endpoint=endpoint, **data.validated_data)
        return Response(WebhookEndpointSerializer(endpoint).data)

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        services.endpoint_delete(endpoint=instance)

    @extend_schema(
        operation_id="webhook_deliveries",
        summary="The endpoint's delivery log, newest first: status, attempts, last error",
        tags=[TAG_WEBHOOKS],
        responses={200: WebhookDeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"], serializer_class=WebhookDeliverySerializer)
    def deliveries(self, request: Request, pk: str) -> Response:
        page = self.paginate_queryset(selectors.endpoint_deliveries(endpoint=self.get_object()))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class IsTrainerWithEmails(BasePermission):
    message = "Alert emails go to trainers: only trainer accounts have this preference."

    def has_permission(self, request, view) -> bool:
        return access.is_trainer(request.user)


class NotificationPreferenceView(GenericAPIView):
    serializer_class = NotificationPreferenceSerializer
    permission_classes = [IsTrainerWithEmails]

    @extend_schema(
        operation_id="notification_preferences",
        summary="How I get my clients' alert emails: at once, a daily digest, or none",
        tags=[TAG_WEBHOOKS],
    )
    def get(self, request: Request) -> Response:
        return Response(
            NotificationPreferenceSerializer(notification_selectors.preference_of(trainer=request.user)).data
        )

    @extend_schema(
        operation_id="notification_preferences_set",
        summary="Choose how I get my clients' alert emails",
        tags=[TAG_WEBHOOKS],
        request=NotificationPreferenceInputSerializer,
        responses={200: NotificationPreferenceSerializer},
    )
    def put(self, request: Request) -> Response:
        data = NotificationPreferenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preference = notification_services.preference_set(trainer=request.user, **data.validated_data)
        return Response(NotificationPreferenceSerializer(preference).data)
