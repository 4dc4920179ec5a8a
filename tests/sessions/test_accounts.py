"""Accounts: sign-up, device tokens, signing out, the signed-in user, and the sign-in throttles."""

from datetime import timedelta
from unittest.mock import ANY

import pytest
from django.core.cache import caches
from django.utils import timezone
from knox.crypto import hash_token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from sessions.models import DeviceToken, User
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
LOGOUT = "/api/v1/auth/logout/"
LOGOUT_ALL = "/api/v1/auth/logout-all/"
ME = "/api/v1/me/"
PROBLEM = "application/problem+json"
PASSWORD = "a-long-Passphrase-42"  # make_user's default


@pytest.fixture(autouse=True)
def empty_throttle_cache():
    """The throttles count in the "throttle" cache: start each test from zero, and leave nothing behind."""
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


@pytest.fixture
def frozen_throttle_clock(monkeypatch):
    """Every request of the test arrives at the same instant, unless the test moves `clock[0]`."""
    clock = [1_000_000.0]
    monkeypatch.setattr(ScopedRateThrottle, "timer", staticmethod(lambda: clock[0]))
    return clock


def register(client: APIClient, **overrides):
    body = {"email": "new@example.com", "password": "a-long-Passphrase-42", "display_name": "Robin"}
    body.update(overrides)
    return client.post(REGISTER, body, format="json")


def sign_in(client: APIClient, email: str = "client@example.com", password: str = PASSWORD, device: str = "phone"):
    return client.post(TOKEN, {"email": email, "password": password, "device_name": device}, format="json")


def signed_in(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# Sign-up --------------------------------------------------------------------------


def test_register_creates_a_client_account(api_client):
    response = register(api_client)

    data = response.json()
    user = User.objects.get()
    assert response.status_code == 201
    assert data == {
        "id": user.pk,
        "email": "new@example.com",
        "display_name": "Robin",
        "role": "client",
        "date_joined": data["date_joined"],
    }
    assert user.check_password("a-long-Passphrase-42")
    assert (user.role, user.is_staff, user.is_superuser, user.is_active) == ("client", False, False, True)


def test_register_stores_the_email_lowercased(api_client):
    response = register(api_client, email="Robin.Hood@Example.COM")

    assert response.json()["email"] == "robin.hood@example.com"
    assert User.objects.get().email == "robin.hood@example.com"


def test_register_with_a_taken_email_names_the_email_field(api_client, client_user):
    response = register(api_client, email="CLIENT@example.com")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "urn:stretchapi:problem:validation_error",
        "title": "Invalid input.",
        "status": 400,
        "detail": "Invalid value for: email.",
        "code": "validation_error",
        "instance": REGISTER,
        "request_id": ANY,
        "errors": [
            {"field": "email", "code": "email_taken", "message": "An account with this email address already exists."}
        ],
    }
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("Xq7#vB2", ["password_too_short"]),
        ("password123", ["password_too_common"]),
        ("4938571620394", ["password_entirely_numeric"]),
        ("new@example.com!", ["password_too_similar"]),
        ("12345", ["password_too_short", "password_too_common", "password_entirely_numeric"]),
    ],
)
def test_register_refuses_a_weak_password_with_the_validator_codes(api_client, password, codes):
    response = register(api_client, password=password)

    errors = response.json()["errors"]
    assert response.status_code == 400
    assert [e["field"] for e in errors] == ["password"] * len(codes)
    assert [e["code"] for e in errors] == codes
    assert User.objects.count() == 0


def test_register_reports_a_taken_email_and_a_weak_password_together(api_client, client_user):
    response = register(api_client, email="client@example.com", password="12345678")

    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("email", "email_taken"),
        ("password", "password_too_common"),
        ("password", "password_entirely_numeric"),
    ]
    assert User.objects.count() == 1


def test_register_refuses_an_unknown_field(api_client):
    response = register(api_client, role="staff")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "role", "code": "unknown_field", "message": "This field is not part of the API."}
    ]
    assert User.objects.count() == 0


def test_register_refuses_an_invalid_email(api_client):
    response = register(api_client, email="not-an-address")

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("email", "invalid")]
    assert User.objects.count() == 0


# Look-alike addresses (sessions/accounts/emails.py) --------------------------------


@pytest.mark.parametrize(
    ("email", "code"),
    [
        ("a@ex\u0430mple.com", "email_mixed_script"),  # Cyrillic а among Latin letters
        ("a@\u0440aypal.com", "email_mixed_script"),  # Cyrillic р
        ("a@g\u03bfogle.com", "email_mixed_script"),  # Greek ο
        ("a@\u043f\u0440\u0438\u043c\u0435\u0440.com", "email_mixed_script"),  # a Cyrillic name under .com
        ("\u0430dmin@example.com", "invalid"),  # Cyrillic а before the @: only ASCII there
        ("a@xn--exmple-4nf.com", "email_mixed_script"),  # the first one, spelt in Punycode
        ("a@xn--a.com", "invalid"),  # not valid IDNA
        ("a@example.test", "invalid"),  # a special-use domain
    ],
)
def test_register_refuses_a_look_alike_email_naming_the_email_field(api_client, email, code):
    response = register(api_client, email=email)

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("email", code)]
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    ("email", "stored"),
    [
        ("k@\u212aexample.com", "k@kexample.com"),  # the Kelvin sign is a K (NFKC)
        ("Robin@B\u00fccher.DE", "robin@b\u00fccher.de"),  # an internationalised domain, one script
        ("robin@xn--bcher-kva.de", "robin@b\u00fccher.de"),  # the same, in Punycode
        (
            "robin@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",
            "robin@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",
        ),
        ("robin@\u4f8b\u3048.jp", "robin@\u4f8b\u3048.jp"),  # Han and Hiragana with Latin
    ],
)
def test_register_stores_the_normalised_form_of_the_email(api_client, email, stored):
    response = register(api_client, email=email)

    assert response.status_code == 201
    assert response.json()["email"] == stored
    assert User.objects.get().email == stored


def test_register_with_the_kelvin_sign_finds_the_address_it_imitates_taken(api_client, make_user):
    make_user("k@kexample.com")

    response = register(api_client, email="k@\u212aexample.com")

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("email", "email_taken")]


def test_token_sign_in_normalises_the_email_as_sign_up_does(api_client, make_user):
    make_user("robin@b\u00fccher.de")

    response = sign_in(api_client, email="Robin@xn--bcher-kva.de")

    assert response.status_code == 201


def test_token_sign_in_works_for_an_account_made_before_the_email_rules(api_client, make_user):
    make_user("old@example.test")  # a special-use domain sign-up now refuses

    response = sign_in(api_client, email="Old@Example.test")

    assert response.status_code == 201


# Device tokens ----------------------------------------------------------------------


def test_token_is_issued_for_the_right_password(api_client, client_user):
    before = timezone.now()

    response = sign_in(api_client, device="Pixel 8")

    data = response.json()
    token = DeviceToken.objects.get()
    assert response.status_code == 201
    assert set(data) == {"token", "expires_at", "device_name", "user"}
    assert data["device_name"] == "Pixel 8"
    assert data["user"] == {
        "id": client_user.pk,
        "email": "client@example.com",
        "display_name": "",
        "role": "client",
        "date_joined": data["user"]["date_joined"],
    }
    assert len(data["token"]) == 64
    assert (token.user, token.device_name) == (client_user, "Pixel 8")
    assert before + timedelta(days=30) <= token.expiry <= timezone.now() + timedelta(days=30)
    assert data["expires_at"] == token.expiry.isoformat().replace("+00:00", "Z")


def test_token_sign_in_ignores_the_case_of_the_email(api_client, client_user):
    response = sign_in(api_client, email="Client@EXAMPLE.com")

    assert response.status_code == 201


def test_token_refused_for_a_wrong_password(api_client, client_user):
    response = sign_in(api_client, password="not-the-password")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "type": "urn:stretchapi:problem:invalid_credentials",
        "title": "Authentication required.",
        "status": 401,
        "detail": "Wrong email or password.",
        "code": "invalid_credentials",
        "instance": TOKEN,
        "request_id": ANY,
    }
    assert DeviceToken.objects.count() == 0


def test_token_refused_for_an_unknown_email_like_a_wrong_password(api_client, client_user):
    response = sign_in(api_client, email="nobody@example.com")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_token_refused_for_an_inactive_account(api_client, client_user):
    client_user.is_active = False
    client_user.save()

    response = sign_in(api_client)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_deactivating_an_account_ends_the_tokens_it_already_holds(api_client, client_user):
    token = sign_in(api_client).json()["token"]
    client_user.is_active = False
    client_user.save()

    response = signed_in(token).get(ME)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_token_works_as_a_bearer_token(api_client, client_user):
    token = sign_in(api_client).json()["token"]

    response = signed_in(token).get(ME)

    assert response.status_code == 200
    assert response.json()["email"] == "client@example.com"


def test_token_is_stored_hashed(api_client, client_user):
    token = sign_in(api_client).json()["token"]

    row = DeviceToken.objects.values().get()
    assert row["digest"] == hash_token(token)
    assert [name for name, value in row.items() if token in str(value)] == []


def test_signing_in_again_from_a_device_revokes_its_old_token_only(api_client, client_user):
    old_phone = sign_in(api_client, device="phone").json()["token"]
    tablet = sign_in(api_client, device="tablet").json()["token"]

    new_phone = sign_in(api_client, device="phone").json()["token"]

    assert signed_in(old_phone).get(ME).status_code == 401
    assert signed_in(new_phone).get(ME).status_code == 200
    assert signed_in(tablet).get(ME).status_code == 200
    assert sorted(DeviceToken.objects.values_list("device_name", flat=True)) == ["phone", "tablet"]


def test_expired_token_is_refused(api_client, client_user):
    token = sign_in(api_client).json()["token"]
    DeviceToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    response = signed_in(token).get(ME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "authentication_failed"


def test_an_expired_token_is_deleted_when_it_is_presented(api_client, client_user):
    expired = sign_in(api_client, device="phone").json()["token"]
    sign_in(api_client, device="tablet")
    DeviceToken.objects.filter(device_name="phone").update(expiry=timezone.now() - timedelta(seconds=1))

    assert signed_in(expired).get(ME).status_code == 401
    assert list(DeviceToken.objects.values_list("device_name", flat=True)) == ["tablet"]


def test_unknown_token_is_refused(client_user):
    response = signed_in("0" * 64).get(ME)

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "Invalid token."


def test_signing_in_works_while_the_phone_still_sends_its_expired_token(client_user):
    phone = signed_in(sign_in(APIClient()).json()["token"])
    DeviceToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    response = sign_in(phone)

    assert response.status_code == 201


# Signing out ------------------------------------------------------------------------


def test_logout_revokes_only_this_devices_token(client_user):
    phone = bearer_client(client_user, device_name="phone")
    tablet = bearer_client(client_user, device_name="tablet")

    response = phone.post(LOGOUT)

    assert response.status_code == 204
    assert phone.get(ME).status_code == 401
    assert tablet.get(ME).status_code == 200
    assert list(DeviceToken.objects.values_list("device_name", flat=True)) == ["tablet"]


def test_logout_all_revokes_every_token_of_the_user_only(client_user, other_client):
    phone = bearer_client(client_user, device_name="phone")
    tablet = bearer_client(client_user, device_name="tablet")
    someone_else = bearer_client(other_client, device_name="phone")

    response = phone.post(LOGOUT_ALL)

    assert response.status_code == 204
    assert phone.get(ME).status_code == 401
    assert tablet.get(ME).status_code == 401
    assert someone_else.get(ME).status_code == 200
    assert list(DeviceToken.objects.values_list("user__email", flat=True)) == ["other@example.com"]


def test_logout_without_a_token_is_refused(admin_client, admin_user):
    bearer_client(admin_user, device_name="phone")

    response = admin_client.post(LOGOUT)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_token_authenticated"
    assert DeviceToken.objects.count() == 1


def test_logout_with_a_session_login_is_refused(client, client_user):
    client.force_login(client_user)

    response = client.post(LOGOUT)

    assert response.status_code == 400
    assert response.json()["code"] == "not_token_authenticated"


@pytest.mark.parametrize("url", [LOGOUT, LOGOUT_ALL])
def test_logout_anonymous_is_refused(api_client, url):
    response = api_client.post(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


# The signed-in user -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["client", "trainer", "staff"])
def test_me_returns_the_signed_in_user_for_each_role(make_user, role):
    user = make_user(f"{role}@example.com", role=role)

    response = bearer_client(user).get(ME)

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": f"{role}@example.com",
        "display_name": "",
        "role": role,
        "date_joined": user.date_joined.isoformat().replace("+00:00", "Z"),
    }


def test_me_anonymous_is_refused_with_a_bearer_challenge(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "urn:stretchapi:problem:not_authenticated",
        "title": "Authentication required.",
        "status": 401,
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "instance": ME,
        "request_id": ANY,
    }


def test_me_costs_one_query(as_client, django_assert_num_queries):
    # the token by its indexed key, with its user: nothing else is read to authenticate
    with django_assert_num_queries(1):
        response = as_client.get(ME)

    assert response.status_code == 200


# Throttling -----------------------------------------------------------------------------


def test_eleventh_sign_in_within_a_minute_is_throttled(api_client, client_user, frozen_throttle_clock):
    statuses = [sign_in(api_client, password="wrong-password").status_code for _ in range(10)]

    response = sign_in(api_client)  # even with the right password

    assert statuses == [401] * 10
    assert response.status_code == 429
    assert response["Content-Type"] == PROBLEM
    assert response["Retry-After"] == "60"
    assert response.json() == {
        "type": "urn:stretchapi:problem:throttled",
        "title": "Too many requests.",
        "status": 429,
        "detail": "Request was throttled. Expected available in 60 seconds.",
        "code": "throttled",
        "instance": TOKEN,
        "request_id": ANY,
    }
    assert DeviceToken.objects.count() == 0


def test_sign_in_allowed_again_a_minute_later(api_client, client_user, frozen_throttle_clock):
    for _ in range(11):
        sign_in(api_client, password="wrong-password")
    frozen_throttle_clock[0] += 61

    response = sign_in(api_client)

    assert response.status_code == 201


def test_sign_in_throttle_counts_successful_attempts_too(api_client, client_user, frozen_throttle_clock):
    statuses = [sign_in(api_client, device=f"phone-{i}").status_code for i in range(11)]

    assert statuses == [201] * 10 + [429]


def test_sixth_sign_up_within_a_minute_is_throttled(api_client, frozen_throttle_clock):
    statuses = [register(api_client, email=f"user{i}@example.com").status_code for i in range(5)]

    response = register(api_client, email="user5@example.com")

    assert statuses == [201] * 5
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json()["code"] == "throttled"
    assert User.objects.filter(email="user5@example.com").exists() is False


def test_sign_up_and_sign_in_are_throttled_separately(api_client, client_user, frozen_throttle_clock):
    for i in range(6):
        register(api_client, email=f"user{i}@example.com")

    response = sign_in(api_client)

    assert response.status_code == 201


def test_sign_in_throttle_is_not_escaped_by_changing_x_forwarded_for(api_client, client_user, frozen_throttle_clock):
    for i in range(10):
        api_client.post(
            TOKEN,
            {"email": "client@example.com", "password": "wrong-password", "device_name": "phone"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )

    response = api_client.post(
        TOKEN,
        {"email": "client@example.com", "password": "wrong-password", "device_name": "phone"},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )

    assert response.status_code == 429
