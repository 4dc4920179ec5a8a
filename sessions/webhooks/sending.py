"""One webhook POST: to an address `addresses.target` checked (never resolved again, so the check
holds), with TLS verified against the URL's host name, a short timeout, and no redirects (a 3xx is
an answer like any other: not a success)."""

from __future__ import annotations

import http.client
import socket
import ssl

from django.conf import settings

from .addresses import Target

MAX_ERROR_BODY = 200


class SendFailed(Exception):
    """No answer: refused, timed out, TLS, or not HTTP. The message says which."""


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, *, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST `body` to the target's first checked address; returns the status and the start of the
    answer's body. Raises `SendFailed` when there is no answer."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target.host, target.port, target.addresses[0], settings.WEBHOOK_TIMEOUT_SECONDS)
    try:
        return _exchange(connection, target, body, headers)
    except (OSError, http.client.HTTPException) as failure:
        raise SendFailed(
            f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
        ) from failure
    finally:
        connection.close()


def _exchange(connection: http.client.HTTPConnection, target: Target, body: bytes, headers: dict[str, str]):
    connection.request(
        "POST",
        target.path,
        body=body,
        headers={**headers, "Content-Type": "application/json", "User-Agent": "StretchAPI-Webhooks/1"},
    )
    response = connection.getresponse()
    return response.status, response.read(MAX_ERROR_BODY).decode("utf-8", "replace")
