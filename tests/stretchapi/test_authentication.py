"""The bearer-token check, written once (`check_token`), and its object-free reading (`signed_in_user_id`)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.accounts.services import token_issue
from stretchapi.api.authentication import TokenProblem, bearer_token, check_token, signed_in_user_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(make_user):
    user = make_user("reader@example.com")
    token_object, raw = token_issue(user=user, device_name="phone")
    return user, token_object, raw


def spoiled(user, raw, how: str) -> str:
    if how == "expired":
        user.auth_token_set.update(expiry=timezone.now() - timedelta(seconds=1))
    elif how == "inactive":
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    elif how == "other digest":  # the right key (its first 15 characters), the rest wrong
        raw = raw[:15] + ("0" if raw[15] != "0" else "1") + raw[16:]
    elif how == "unknown":
        raw = "f" * len(raw)
    elif how == "not hex":
        raw = raw[:15] + "zz" + raw[17:]
    return raw


@pytest.mark.parametrize(
    "how, problem",
    [
        ("good", None),
        ("expired", TokenProblem.EXPIRED),
        ("inactive", TokenProblem.INACTIVE),
        ("other digest", TokenProblem.UNKNOWN),
        ("unknown", TokenProblem.UNKNOWN),
        ("not hex", TokenProblem.UNKNOWN),
    ],
)
def test_both_readings_of_a_token_give_the_same_verdict(issued, how, problem, django_assert_num_queries):
    user, _, raw = issued
    raw = spoiled(user, raw, how)

    with django_assert_num_queries(1):
        auth_token, found = check_token(raw)
    with django_assert_num_queries(1):
        user_id = signed_in_user_id(raw)

    assert found is problem
    assert (auth_token is None) == (problem is TokenProblem.UNKNOWN)
    assert user_id == (user.pk if problem is None else None)


def test_a_token_that_expires_a_moment_from_now_is_still_good(issued):
    user, _, raw = issued
    user.auth_token_set.update(expiry=timezone.now() + timedelta(seconds=30))

    assert check_token(raw)[1] is None
    assert signed_in_user_id(raw) == user.pk


@pytest.mark.parametrize(
    "header, token",
    [
        ("Bearer abcdef0123456789", "abcdef0123456789"),
        ("bearer abcdef0123456789", "abcdef0123456789"),
        ("Bearer abc", None),  # shorter than a key
        ("Bearer  abcdef0123456789", None),
        ("Token abcdef0123456789", None),
        ("Bearer abcdef0123456789 x", None),
        ("Bearer abcdef012345678é", None),
    ],
)
def test_only_the_header_form_the_api_hands_out_is_read(header, token):
    assert bearer_token(header) == token
