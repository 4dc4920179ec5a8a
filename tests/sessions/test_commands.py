"""Management commands of the sessions app: create_user and purge_idempotency_records."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sessions.models import IdempotencyRecord, User

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-Passphrase-42"


def create_user(*args: str, **options) -> str:
    out = StringIO()
    call_command("create_user", *args, stdout=out, **options)
    return out.getvalue()


# create_user ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "is_staff"), [("client", False), ("trainer", True), ("staff", True)])
def test_create_user_creates_an_account_of_each_role(role, is_staff):
    out = create_user("--role", role, "--email", f"{role}@example.com", "--password", PASSWORD)

    user = User.objects.get()
    assert (user.email, user.role, user.is_staff, user.is_superuser, user.is_active) == (
        f"{role}@example.com",
        role,
        is_staff,
        False,
        True,
    )
    assert user.check_password(PASSWORD)
    assert out.startswith(f"Created {role} account {role}@example.com (id {user.pk}).")


@pytest.mark.parametrize("role", ["staff", "trainer"])
def test_create_user_says_staff_and_trainer_accounts_may_use_the_admin(role):
    out = create_user("--role", role, "--email", f"{role}@example.com", "--password", PASSWORD)

    assert out.strip().endswith("It may sign in to the admin.")


def test_create_user_does_not_offer_the_admin_to_a_client():
    out = create_user("--role", "client", "--email", "client@example.com", "--password", PASSWORD)

    assert "admin" not in out


def test_create_user_stores_the_display_name_and_a_lowercased_email():
    create_user("--role", "trainer", "--email", "Jo.Coach@Example.COM", "--password", PASSWORD, "--display-name", "Jo")

    user = User.objects.get()
    assert (user.email, user.display_name) == ("jo.coach@example.com", "Jo")


def test_create_user_refuses_a_weak_password():
    with pytest.raises(CommandError) as refused:
        create_user("--role", "client", "--email", "new@example.com", "--password", "12345678")

    assert str(refused.value) == (
        "Account not created. Password refused: This password is too common. This password is entirely numeric."
    )
    assert User.objects.count() == 0


def test_create_user_refuses_a_password_like_the_email():
    with pytest.raises(CommandError) as refused:
        create_user("--role", "client", "--email", "robin.hood@example.com", "--password", "robin.hood@example")

    assert str(refused.value) == "Account not created. Password refused: The password is too similar to the email."

    assert User.objects.count() == 0


def test_create_user_refuses_a_taken_email_whatever_its_case(client_user):
    with pytest.raises(CommandError) as refused:
        create_user("--role", "staff", "--email", "CLIENT@example.com", "--password", PASSWORD)

    assert str(refused.value) == (
        "Account not created. Email refused: An account with this email address already exists."
    )
    assert list(User.objects.values_list("email", "role")) == [("client@example.com", "client")]


def test_create_user_refuses_an_unknown_role():
    with pytest.raises(CommandError, match="argument --role: invalid choice: 'admin'"):
        create_user("--role", "admin", "--email", "new@example.com", "--password", PASSWORD)

    assert User.objects.count() == 0


def test_create_user_refuses_an_unknown_role_passed_as_an_option():
    with pytest.raises(CommandError, match="invalid choice: 'admin'"):
        create_user(role="admin", email="new@example.com", password=PASSWORD)

    assert User.objects.count() == 0


def test_create_user_refuses_an_invalid_email():
    with pytest.raises(CommandError) as refused:
        create_user("--role", "client", "--email", "not-an-address", "--password", PASSWORD)

    assert str(refused.value) == (
        "Account not created. Email refused: Enter a valid email address. An email address must have an @-sign."
    )
    assert User.objects.count() == 0


def test_create_user_reads_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("STRETCHAPI_PASSWORD", PASSWORD)

    create_user("--role", "client", "--email", "new@example.com")

    assert User.objects.get().check_password(PASSWORD)


def test_create_user_prefers_the_password_option_to_the_environment(monkeypatch):
    monkeypatch.setenv("STRETCHAPI_PASSWORD", "the-Environment-password-7")

    create_user("--role", "client", "--email", "new@example.com", "--password", PASSWORD)

    assert User.objects.get().check_password(PASSWORD)


@pytest.mark.parametrize("environment", [None, ""])
def test_create_user_without_any_password_is_refused(monkeypatch, environment):
    if environment is None:
        monkeypatch.delenv("STRETCHAPI_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("STRETCHAPI_PASSWORD", environment)

    with pytest.raises(CommandError) as refused:
        create_user("--role", "client", "--email", "new@example.com")

    assert str(refused.value) == "No password: pass --password or set the environment variable STRETCHAPI_PASSWORD."
    assert User.objects.count() == 0


def test_create_user_does_not_print_the_password():
    out = create_user("--role", "staff", "--email", "staff@example.com", "--password", PASSWORD)

    assert PASSWORD not in out


# purge_idempotency_records -------------------------------------------------------------------


def idempotency_record(user: User, key: str, age: timedelta) -> IdempotencyRecord:
    record = IdempotencyRecord.objects.create(
        user=user, key=key, method="POST", path="/api/v1/sessions/", request_hash="0" * 64, status_code=201
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)
    return record


def test_purge_removes_records_past_retention_and_keeps_recent_ones(client_user):
    idempotency_record(client_user, "two-days-and-a-minute", timedelta(hours=48, minutes=1))
    idempotency_record(client_user, "a-week", timedelta(days=7))
    idempotency_record(client_user, "a-day-and-a-half", timedelta(hours=36))
    idempotency_record(client_user, "just-now", timedelta(0))
    out = StringIO()

    call_command("purge_idempotency_records", stdout=out)

    assert out.getvalue() == "Removed 2 idempotency records older than 48 hours.\n"
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["a-day-and-a-half", "just-now"]


def test_purge_with_nothing_to_remove_says_so(client_user):
    idempotency_record(client_user, "just-now", timedelta(0))
    out = StringIO()

    call_command("purge_idempotency_records", stdout=out)

    assert out.getvalue() == "Removed 0 idempotency records older than 48 hours.\n"
    assert IdempotencyRecord.objects.count() == 1


def test_purge_of_one_record_says_record(client_user):
    idempotency_record(client_user, "a-week", timedelta(days=7))
    out = StringIO()

    call_command("purge_idempotency_records", stdout=out)

    assert out.getvalue() == "Removed 1 idempotency record older than 48 hours.\n"


def test_create_user_refuses_a_look_alike_email_as_sign_up_does():
    with pytest.raises(CommandError) as refused:
        create_user("--role", "staff", "--email", "admin@ex\u0430mple.com", "--password", PASSWORD)

    assert str(refused.value).startswith("Account not created. Email refused: The domain mixes letters of several")
    assert User.objects.count() == 0
