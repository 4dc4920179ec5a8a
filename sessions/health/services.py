"""Writes of health flags: a client states the contraindications they have."""

from __future__ import annotations

from django.db import transaction

from catalog.models import Contraindication
from stretchapi.errors import InvalidData

from ..models import HealthFlag, User


@transaction.atomic
def health_flags_set(*, client: User, slugs: list[str]) -> None:
    """Replace the client's flags with these contraindication slugs; an unknown slug is refused by its index."""
    known = {c.slug: c for c in Contraindication.objects.filter(slug__in=set(slugs))}
    problems = {
        f"contraindications[{index}]": [("invalid", f"Unknown contraindication '{slug}'.")]
        for index, slug in enumerate(slugs)
        if slug not in known
    }
    if problems:
        raise InvalidData(problems)
    wanted = {known[slug].pk for slug in slugs}
    HealthFlag.objects.filter(client=client).exclude(contraindication_id__in=wanted).delete()
    HealthFlag.objects.bulk_create(  # a flag already there stays, with its created_at
        (HealthFlag(client=client, contraindication_id=pk) for pk in sorted(wanted)), ignore_conflicts=True
    )
