"""`python manage.py create_user --role staff --email E [--password P] [--display-name N]`.

Creates a client, trainer or staff account from the shell, under the same
rules as sign-up: a unique, lowercased email address and a password that
passes Django's validators. The password may come from the environment
variable STRETCHAPI_PASSWORD instead of `--password`, so that it stays out of
shell history and process lists.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from sessions.accounts.services import user_create
from sessions.choices import Role
from stretchapi.errors import InvalidData

PASSWORD_ENV = "STRETCHAPI_PASSWORD"  # noqa: S105 (the variable's name, not a password)


class Command(BaseCommand):
    help = (
        "Create a client, trainer or staff account. Trainers and staff may sign in to the admin panel. "
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
        except InvalidData as exc:
            reasons = " ".join(
                f"{field.capitalize()} refused: {' '.join(message for _, message in problems)}"
                for field, problems in exc.errors.items()
            )
            raise CommandError(f"Account not created. {reasons}") from exc
        admin_note = " It may sign in to the admin." if user.is_staff else ""
        self.stdout.write(self.style.SUCCESS(f"Created {user.role} account {user.email} (id {user.pk}).{admin_note}"))
