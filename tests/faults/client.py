"""A phone's side of the fault tests: plain HTTP/1.1 requests with a client timeout.

Each request opens its own connection, as a phone that lost its connection
does (gunicorn's sync workers close every connection after one response
anyway). Nothing here knows about Django: the tests talk to a real server.
"""

from __future__ import annotations

import http.client
import json
import time
import uuid
from dataclasses import dataclass

CLIENT_TIMEOUT_SECONDS = 5.0
PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class Api:
    """The API at http://127.0.0.1:<port>, optionally signed in with a bearer token."""

    def __init__(self, port: int, token: str | None = None, email: str | None = None):
        self.port = port
        self.token = token
        self.email = email

    def request(self, method: str, path: str, body=None, headers: dict[str, str] | None = None) -> Answer:
        """One request; a refused connection or no answer within the client timeout raises OSError."""
        sent = {"Accept": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        start = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT_SECONDS)
        try:
            connection.request(method, path, body=payload, headers=sent)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Answer(response.status, headers, content, time.monotonic() - start)

    def upload(self, session: dict, key: str | None) -> Answer:
        return self.request("POST", "/api/v1/sessions/", session, {"Idempotency-Key": key} if key else None)

    def sign_up(self, prefix: str) -> Api:
        """A new client account, signed in on one device: an Api that carries its token."""
        email = f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"
        password = f"stretch-{uuid.uuid4().hex}"
        answer = self.request("POST", "/api/v1/auth/register/", {"email": email, "password": password})
        assert answer.status == 201, answer
        answer = self.request(
            "POST", "/api/v1/auth/token/", {"email": email, "password": password, "device_name": "phone"}
        )
        assert answer.status == 201, answer
        return Api(self.port, answer.json()["token"], email)
