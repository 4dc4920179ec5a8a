"""Reads of webhooks: an owner's endpoints and an endpoint's delivery log."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import User, WebhookDelivery, WebhookEndpoint


def owner_endpoints(*, owner: User) -> QuerySet[WebhookEndpoint]:
    """The endpoints `owner` registered, oldest first (no one sees another's)."""
    return WebhookEndpoint.objects.filter(owner=owner).order_by("id")


def endpoint_deliveries(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")
