"""Writes of accounts and device tokens: sign-up under the password rules, one token per device."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from stretchapi.errors import InvalidData

from ..choices import Role
from ..models import DeviceToken, User
from .emails import EmailRefused, email_normalize


def user_create(*, email: str, password: str, role: str, display_name: str = "") -> User:
    """Create an account of any role under the sign-up rules: a unique email address in its
    normalised form (`emails.email_normalize`: no look-alikes) and a password that passes
    Django's validators. Staff get admin access."""
    problems: dict[str, list[tuple[str, str]]] = {}
    try:
        email = email_normalize(email)
    except EmailRefused as exc:
        problems["email"] = [(exc.code, exc.message)]
        email = email.strip().lower()
    if "email" not in problems and User.objects.filter(email=email).exists():
        problems["email"] = [("email_taken", "An account with this email address already exists.")]
    candidate = User(email=email, display_name=display_name, role=role)
    try:
        password_validation.validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        problems["password"] = [(e.code or "invalid", str(e.message % (e.params or {}))) for e in exc.error_list]
    if problems:
        raise InvalidData(problems)
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, role=role, display_name=display_name)
    except IntegrityError as exc:  # a concurrent sign-up with the same address won
        raise InvalidData({"email": [("email_taken", "An account with this email address already exists.")]}) from exc


def user_register(*, email: str, password: str, display_name: str = "") -> User:
    """Sign-up: always a client account."""
    return user_create(email=email, password=password, role=Role.CLIENT, display_name=display_name)


@transaction.atomic
def token_issue(*, user: User, device_name: str) -> tuple[DeviceToken, str]:
    """Sign a device in: its previous token, if any, stops working.

    The user's row is locked so that two sign-ins from one device at the same
    moment cannot both keep a token (the database also holds one per device).
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    DeviceToken.objects.filter(user=user, device_name=device_name).delete()
    return DeviceToken.objects.create(user=user, device_name=device_name)


def token_revoke(*, token: DeviceToken) -> None:
    token.delete()


def tokens_revoke_all(*, user: User) -> int:
    deleted, _ = DeviceToken.objects.filter(user=user).delete()
    return deleted
