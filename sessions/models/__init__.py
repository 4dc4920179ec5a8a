"""The app's models, one module per concept; import them from here.

- `accounts`: `User` (client, trainer or staff) and `DeviceToken` (one signed-in device).
- `logged`: `StretchSession` and its rows `Hold`, `StopEvent`, `Measurement`.
- `trainers`: `TrainerInvitation`, `TrainerLink` (consent), `AccessLogEntry`, `Alert`.
- `programs`: `Program`, `ProgramItem`.
- `health`: `HealthFlag` (a contraindication a client has recorded).
- `exports`: `ExportRecord`.
- `export_jobs`: `ExportJob` (an export run by a background worker) and its `ExportJobFile`s.
- `idempotency`: `IdempotencyRecord` (the first answer to a keyed POST).
- `notifications`: `NotificationPreference` (a trainer's alert emails), `AlertNotification` (an email owed).
- `webhooks`: `WebhookEndpoint` (a registered URL), `WebhookDelivery` (an event sent to one).
- `outbox`: `OutboxRecord`, the abstract row of everything delivered after commit.
"""

from .accounts import DeviceToken, User, UserManager
from .export_jobs import ExportJob, ExportJobFile, ExportJobStatus
from .exports import ExportRecord
from .health import HealthFlag
from .idempotency import IdempotencyRecord
from .logged import Hold, Measurement, StopEvent, StretchSession
from .notifications import AlertNotification, NotificationPreference
from .programs import Program, ProgramItem
from .trainers import AccessLogEntry, Alert, TrainerInvitation, TrainerLink
from .webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AccessLogEntry",
    "Alert",
    "AlertNotification",
    "DeviceToken",
    "ExportJob",
    "ExportJobFile",
    "ExportJobStatus",
    "ExportRecord",
    "HealthFlag",
    "Hold",
    "IdempotencyRecord",
    "Measurement",
    "NotificationPreference",
    "Program",
    "ProgramItem",
    "StopEvent",
    "StretchSession",
    "TrainerInvitation",
    "TrainerLink",
    "User",
    "UserManager",
    "WebhookDelivery",
    "WebhookEndpoint",
]
