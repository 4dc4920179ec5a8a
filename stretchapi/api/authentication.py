"""Bearer-token authentication: hashed, expiring, per-device tokens (django-rest-knox).

What makes a presented token good is written once, in `check_token`: its
stored digest matches, it has not expired, and its user is active. DRF's
authentication class (every API view) and the catalog cache in front of
Django (catalog/api/front_cache.py) both ask it.

knox's own check costs two queries a request: the token (by its indexed
15-character key, with its user), then every other token of the user, to
delete the expired ones. The second is housekeeping, not authentication: an
expired token is refused on its own use whatever happens to the others, and
signing a device in replaces its token. So a request costs one indexed query
here; the token it presents is still deleted when it has expired, as knox does.
"""

import binascii
import enum
import functools
import re
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from stretchapi.compiled import CompiledQuery, Loader

# `Bearer <token>` exactly as the token endpoint hands it out: hex digits, nothing around them.
BEARER_HEADER = re.compile(rf"Bearer ([0-9a-f]{{{CONSTANTS.TOKEN_KEY_LENGTH},512}})", re.IGNORECASE)


class TokenProblem(enum.Enum):
    UNKNOWN = "unknown"  # no stored token has this key and digest
    EXPIRED = "expired"
    INACTIVE = "inactive"  # the token is good, its user may not sign in


def _candidates(key: str):
    """The stored tokens with this 15-character key (an indexed column)."""
    return get_token_model().objects.filter(token_key=key)


def _problem(token: str, digest: str, expiry, user_is_active: bool) -> TokenProblem | None:
    """What is wrong with a stored token presented as `token` (None: it is good)."""
    if not compare_digest(_digest(token), digest):
        return TokenProblem.UNKNOWN
    if expiry is not None and expiry < timezone.now():
        return TokenProblem.EXPIRED
    if not user_is_active:
        return TokenProblem.INACTIVE
    return None


def _digest(token: str) -> str:
    try:
        return hash_token(token)
    except (TypeError, binascii.Error, ValueError):
        return ""  # matches no stored digest


@functools.cache
def _token_loader() -> Loader:
    return Loader(get_token_model(), user=get_user_model())


_CHECK = CompiledQuery(lambda key: _candidates(key).values_list(*_token_loader().columns()), key="\0key")
# What `signed_in_user_id` reads: the columns `_problem` judges, and the user's id.
_SIGNED_IN = CompiledQuery(
    lambda key: _candidates(key).values_list("digest", "expiry", "user__is_active", "user_id"), key="\0key"
)


def check_token(token: str):
    """The stored token `token` names, with its user, and what is wrong with it (None when it is
    good): one indexed query, compiled once per process (the ORM spent more CPU building it than
    the database answering it). Returns `(auth_token, problem)`; `auth_token` is None when unknown."""
    for row in _CHECK.rows(key=token[: CONSTANTS.TOKEN_KEY_LENGTH]):
        auth_token = _token_loader().load(row, using=_CHECK.database)
        problem = _problem(token, auth_token.digest, auth_token.expiry, auth_token.user.is_active)
        if problem is not TokenProblem.UNKNOWN:
            return auth_token, problem
    return None, TokenProblem.UNKNOWN


def signed_in_user_id(token: str) -> int | None:
    """The id of the user `token` signs in, when the token is good (`check_token`'s verdict, without
    loading the objects): what a reader that needs no more than who is asking calls."""
    for digest, expiry, is_active, user_id in _SIGNED_IN.rows(key=token[: CONSTANTS.TOKEN_KEY_LENGTH]):
        problem = _problem(token, digest, expiry, is_active)
        if problem is not TokenProblem.UNKNOWN:
            return user_id if problem is None else None
    return None


def bearer_token(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header in the one form the API hands out, else None."""
    match = BEARER_HEADER.fullmatch(header)
    return match.group(1) if match else None


class BearerTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <token>`, as issued by `POST /api/v1/auth/token/`."""

    def authenticate_header(self, request) -> str:
        return "Bearer"

    def authenticate_credentials(self, token: bytes):
        message = _("Invalid token.")
        auth_token, problem = check_token(token.decode("utf-8"))
        if problem is TokenProblem.UNKNOWN:
            raise exceptions.AuthenticationFailed(message)
        if problem is TokenProblem.EXPIRED:
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=type(self), username=username, source="auth_token")
            raise exceptions.AuthenticationFailed(message)
        if knox_settings.AUTO_REFRESH and auth_token.expiry:
            self.renew_token(auth_token)
        return self.validate_user(auth_token)  # knox's own refusal of an inactive user


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A device token from `POST /api/v1/auth/token/`: `Authorization: Bearer <token>`.",
        }
