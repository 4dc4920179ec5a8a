"""Accounts and their signed-in devices."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from knox.models import AbstractAuthToken

from .. import choices


@cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA time zone names this machine knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def validate_time_zone(value: str) -> None:
    if value and value not in time_zone_names():
        raise ValidationError("Not a time zone name (e.g. Europe/Berlin).", code="invalid_time_zone")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        role = fields.setdefault("role", choices.Role.CLIENT)
        fields.setdefault("is_staff", role in choices.PANEL_ROLES)  # as sessions.access.signs_in_to_panel
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(role=choices.Role.STAFF, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """One person who signs in: a client who stretches, a trainer, or staff."""

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    role = models.CharField(max_length=10, choices=choices.Role.choices, default=choices.Role.CLIENT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",  # rows written outside the ORM (the bench generator's COPY) read the setting too
        validators=[validate_time_zone],
        help_text="The panel shows times in this zone (an IANA name); empty: the PANEL_TIME_ZONE setting.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=choices.Role.values), name="stretch_sessions_user_role_valid"),
            models.CheckConstraint(condition=Q(email=models.functions.Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """Where the panel shows this user's times: their own zone, else the `PANEL_TIME_ZONE` setting."""
        return zoneinfo.ZoneInfo(self.time_zone or settings.PANEL_TIME_ZONE)


class DeviceToken(AbstractAuthToken):
    """One signed-in device of a user: a hashed bearer token with its expiry."""

    device_name = models.CharField(max_length=80)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["user", "device_name"], name="devicetoken_one_per_device"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.device_name}"
