"""`/auth/…` and `/me/`: sign-up, device tokens, the signed-in user."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from sessions.accounts import services
from sessions.accounts.emails import email_for_sign_in
from sessions.errors import NotTokenAuthenticated
from sessions.models import DeviceToken
from stretchapi.api.throttling import SharedScopedRateThrottle

from .schema import TAG_AUTH, problem
from .serializers.accounts import MeSerializer, RegisterSerializer, TokenRequestSerializer, TokenResponseSerializer


class RegisterView(GenericAPIView):
    authentication_classes: list = []  # a stale token on the phone must not block signing up
    permission_classes = [AllowAny]
    throttle_classes = [SharedScopedRateThrottle]
    throttle_scope = "register"
    serializer_class = RegisterSerializer

    @extend_schema(
        operation_id="auth_register",
        summary="Sign up as a client",
        tags=[TAG_AUTH],
        responses={201: MeSerializer, 429: problem("Too many sign-ups from this address.")},
    )
    def post(self, request: Request) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(MeSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(GenericAPIView):
    authentication_classes: list = []  # an expired or revoked token must not block signing in again
    permission_classes = [AllowAny]
    throttle_classes = [SharedScopedRateThrottle]
    throttle_scope = "login"
    serializer_class = TokenRequestSerializer

    def get_authenticate_header(self, request: Request) -> str:
        return "Bearer"  # wrong credentials stay a 401 although this view authenticates nobody

    @extend_schema(
        operation_id="auth_token_create",
        summary="Sign a device in and get its bearer token",
        description="One token per device: signing in again with the same `device_name` replaces its token.",
        tags=[TAG_AUTH],
        responses={
            201: TokenResponseSerializer,
            401: problem("Wrong email or password."),
            429: problem("Too many attempts."),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = email_for_sign_in(data.validated_data["email"])
        user = authenticate(request, email=email, password=data.validated_data["password"])
        if user is None:
            raise exceptions.AuthenticationFailed("Wrong email or password.", code="invalid_credentials")
        token, raw = services.token_issue(user=user, device_name=data.validated_data["device_name"])
        body = {"token": raw, "expires_at": token.expiry, "device_name": token.device_name, "user": user}
        return Response(TokenResponseSerializer(body).data, status=status.HTTP_201_CREATED)


class LogoutView(GenericAPIView):
    serializer_class = None

    @extend_schema(
        operation_id="auth_logout",
        summary="Revoke this device's token",
        tags=[TAG_AUTH],
        request=None,
        responses={204: None, 400: problem("The request was not made with a device token.")},
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.auth, DeviceToken):
            raise NotTokenAuthenticated
        services.token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(GenericAPIView):
    serializer_class = None

    @extend_schema(
        operation_id="auth_logout_all",
        summary="Revoke every device token of this user",
        tags=[TAG_AUTH],
        request=None,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        services.tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(GenericAPIView):
    serializer_class = MeSerializer

    @extend_schema(operation_id="me_retrieve", summary="The signed-in user", tags=[TAG_AUTH])
    def get(self, request: Request) -> Response:
        return Response(self.get_serializer(request.user).data)
