"""`python manage.py create_user --role staff --email E [--password P] [--display-name N]`.

Creates a client, trainer or staff account from the shell, under the same
rules as sign-up: a unique, lowercased email address and a password that
passes Django's validators. The password may come from the environment
variable STRETCHAPI_PASSWORD instead of `--password`, so that it stays out of
shell history and process lists.
"""

from __future__ import annotations

import os

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from sessions.choices import Role
from sessions.models import User

PASSWORD_ENV = "STRETCHAPI_PASSWORD"  # noqa: S105 (the variable's name, not a password)


class AccountRefused(Exception):
    """The account cannot be created as asked; the message says why, for a person."""


def user_create(*, email: str, password: str, role: str, display_name: str = "") -> User:
    """Create an account of any role; staff get `is_staff` (the manager derives it from the role).

    Belongs in `sessions/services.py` next to `user_register` (which only makes
    clients); it lives here until that module can take it.
    """
    if role not in Role.values:
        raise AccountRefused(f"Unknown role '{role}'; choose one of: {', '.join(Role.values)}.")
    email = User.objects.normalize_email(email.strip()).lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise AccountRefused(f"'{email}' is not a valid email address.") from exc
    if User.objects.filter(email=email).exists():
        raise AccountRefused(f"An account with the email address {email} already exists.")
    try:
        password_validation.validate_password(password, user=User(email=email, display_name=display_name, role=role))
    except ValidationError as exc:
        raise AccountRefused("Password refused: " + " ".join(exc.messages)) from exc
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, role=role, display_name=display_name)
    except IntegrityError as exc:  # created concurrently since the check above
        raise AccountRefused(f"An account with the email address {email} already exists.") from exc


class Command(BaseCommand):
    help = (
        "Create a client, trainer or staff account. Staff may sign in to the admin. "
        f"Without --password, the password is read from the environment variable {PASSWORD_ENV}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=Role.values, help="The kind of account.")
        parser.add_argument("--email", required=True, help="Signs in with this address (stored lowercased).")
        parser.add_argument(
            "--password",
            help=f"Must pass the password validators. Prefer the environment variable {PASSWORD_ENV}.",
        )
        parser.add_argument("--display-name", default="", help="The name shown in the app (optional).")

    def handle(self, *args, role: str, email: str, password: str | None, display_name: str, **options):
        password = password or os.environ.get(PASSWORD_ENV)
        if not password:
            raise CommandError(f"No password: pass --password or set the environment variable {PASSWORD_ENV}.")
        try:
            user = user_create(email=email, password=password, role=role, display_name=display_name)
        except AccountRefused as exc:
            raise CommandError(f"Account not created. {exc}") from exc
        admin_note = " It may sign in to the admin." if user.is_staff else ""
        self.stdout.write(self.style.SUCCESS(f"Created {user.role} account {user.email} (id {user.pk}).{admin_note}"))
