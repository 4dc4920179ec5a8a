"""Writes of the trainer roster: invitation codes, and the client's consent links that they create."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import errors
from ..models import TrainerInvitation, TrainerLink, User

INVITATION_TTL = timedelta(days=7)
INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a phone


def invitation_create(*, trainer: User) -> TrainerInvitation:
    """A fresh 8-character code, valid for 7 days."""
    while True:
        code = "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(8))
        try:
            with transaction.atomic():
                return TrainerInvitation.objects.create(
                    trainer=trainer, code=code, expires_at=timezone.now() + INVITATION_TTL
                )
        except IntegrityError:  # the code is taken: draw another
            continue


@transaction.atomic
def invitation_accept(*, client: User, code: str) -> TrainerLink:
    """Link the client to the inviting trainer. The code works once, before it expires."""
    invitation = (
        TrainerInvitation.objects.select_for_update()
        .filter(code=code.strip().upper())
        .select_related("trainer")
        .first()
    )
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        raise errors.InvitationInvalid
    if invitation.trainer_id == client.pk:
        raise errors.InvitationInvalid("You cannot accept your own invitation.")
    invitation.accepted_by, invitation.accepted_at = client, timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    link = TrainerLink.objects.filter(trainer=invitation.trainer, client=client, ended_at__isnull=True).first()
    return link or TrainerLink.objects.create(trainer=invitation.trainer, client=client)


def trainer_link_end(*, link: TrainerLink) -> None:
    """The client withdraws consent: the trainer's access ends with this write."""
    if link.ended_at is None:
        link.ended_at = timezone.now()
        link.save(update_fields=["ended_at"])
