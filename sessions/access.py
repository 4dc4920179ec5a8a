"""Who may see what: roles, the consented-clients query and the access log, written once.

Every door asks here — the API's permissions, the admin's scoping, the
exports — so that "is this a trainer?" or "whose data may this trainer read?"
has one answer.

- A **trainer** reads the data of the clients whose consent link is active;
  **staff** (staff accounts and superusers) read every client's.
- Every read of a client's data by a trainer lands in that client's access
  log (`log_access`), whichever door it came through.
- Trainer and staff accounts sign in to the admin panel (`choices.PANEL_ROLES`).
- Analysts are staff holding `export_analytics` (or superusers): they export
  every client, pseudonymized.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from stretchapi.bulk import bulk_insert

from .choices import PANEL_ROLES, Role
from .models import AccessLogEntry, TrainerLink, User

STAFF = Role.STAFF
TRAINER = Role.TRAINER
ANALYTICS_PERMISSION = "stretch_sessions.export_analytics"


def signs_in_to_panel(role: str) -> bool:
    """Whether accounts of `role` get admin access (`is_staff`) by default."""
    return role in PANEL_ROLES


def is_client(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.CLIENT)


def is_trainer(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.TRAINER)


def is_trainer_or_staff(user) -> bool:
    """Whether `user` may use the trainer endpoints (staff see every client there)."""
    return bool(user and user.is_authenticated and user.role in PANEL_ROLES)


def panel_role(user) -> str | None:
    """`STAFF`, `TRAINER`, or None for anyone the admin panel serves nothing of this app."""
    if not (user.is_active and user.is_staff):
        return None
    if user.is_superuser or user.role == Role.STAFF:
        return STAFF
    if user.role == Role.TRAINER:
        return TRAINER
    return None


def is_analyst(user) -> bool:
    """Analysts export every client's data, pseudonymized."""
    return bool(user.is_superuser or (user.role == Role.STAFF and user.has_perm(ANALYTICS_PERMISSION)))


def consented_links(trainer: User) -> QuerySet[TrainerLink]:
    """The active consent links of the trainer's clients."""
    return TrainerLink.objects.filter(trainer=trainer, ended_at__isnull=True)


def reads_every_client(user: User) -> bool:
    """Whether `user` may read every client's data (staff), whoever consented to whom."""
    return user.role == Role.STAFF


def consented_client_ids(trainer: User) -> QuerySet:
    """Ids of the clients whose data `trainer` may read right now (staff: every client), as a subquery."""
    if reads_every_client(trainer):
        return User.objects.filter(role=Role.CLIENT).values("pk")
    return consented_links(trainer).values("client_id")


def client_trainers(client: User | int) -> QuerySet[User]:
    """The trainers whose consent link with `client` is active: those told of the client's alerts."""
    links = TrainerLink.objects.filter(client=client, ended_at__isnull=True)
    return User.objects.filter(role=Role.TRAINER, pk__in=links.values("trainer_id"))


def client_readers(client: User | int) -> QuerySet[User]:
    """Everyone who may read `client`'s data right now: staff, and the client's consented trainers."""
    return User.objects.filter(Q(role=Role.STAFF) | Q(pk__in=client_trainers(client).values("pk")))


def log_access(*, trainer: User, client_ids: Iterable[int], resource: str, path: str) -> None:
    """Write down that `trainer` read `resource` of these clients' data (each client sees it), in one
    statement (no transaction of its own to begin and commit)."""
    bulk_insert(
        AccessLogEntry,
        [
            AccessLogEntry(trainer=trainer, client_id=client_id, resource=resource, path=path[:500])
            for client_id in sorted(set(client_ids))
        ],
    )
