"""Guards behind docs/security.md: claims about the whole code base that a change could quietly break."""

import ast
import re
from pathlib import Path

import yaml
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

PRODUCT_PACKAGES = ["catalog", "sessions", "stretchapi"]
OUTBOUND_MODULES = {"requests", "httpx", "urllib3", "aiohttp", "http.client", "urllib.request", "socket", "smtplib"}
SCHEMA = Path(settings.BASE_DIR) / "schema" / "openapi.yaml"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


# The one way out: webhook deliveries, to URLs checked against SSRF where the connection is made
# (docs/security.md, API7). Email goes through Django's mail backend, configured by the operator.
OUTBOUND_DOORS = {
    ("sessions/webhooks/addresses.py", "socket"),
    ("sessions/webhooks/sending.py", "socket"),
    ("sessions/webhooks/sending.py", "http.client"),
}


def test_the_service_opens_no_outbound_connections_but_through_the_webhook_door():
    """API7/API10: no code path but the webhook sender fetches a URL or talks to another service."""
    found = {
        (str(path.relative_to(settings.BASE_DIR)), name)
        for package in PRODUCT_PACKAGES
        for path in (Path(settings.BASE_DIR) / package).rglob("*.py")
        for name in _imports(path)
        if name in OUTBOUND_MODULES or name.split(".")[0] in OUTBOUND_MODULES
    }

    assert found == OUTBOUND_DOORS


def _api_routes(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_routes(pattern, route)
        elif isinstance(pattern, URLPattern) and route.lstrip("^").startswith("api/v1/"):
            yield route, pattern.callback


def test_every_api_route_is_a_rest_framework_view_and_so_in_the_schema():
    """API9: nothing under /api/v1/ escapes the schema, hence the docs and the schemathesis run."""
    routes = list(_api_routes(get_resolver()))
    undocumented = [route for route, callback in routes if not hasattr(callback, "cls")]

    assert len(routes) >= 20
    assert undocumented == []


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node))
    return set()


def test_no_response_carries_a_password_or_a_token_digest():
    """API3: output serializers list their fields; secrets are write-only or never leave the database."""
    schema = yaml.safe_load(SCHEMA.read_text())
    components = schema["components"]["schemas"]
    reachable = _refs([op["responses"] for operations in schema["paths"].values() for op in operations.values()])
    while more := set().union(*(_refs(components[name]) for name in reachable)) - reachable:
        reachable |= more
    exposed = {
        (name, field)
        for name in reachable
        for field in components[name].get("properties", {})
        if field in {"password", "digest", "token_key", "salt"}
    }

    assert {"Me", "TokenResponse", "StretchSession", "Alert"} <= reachable
    assert exposed == set()


def test_every_test_docs_security_names_exists():
    """docs/security.md names its proofs as `file::test`; a renamed or deleted test must not leave it stale."""
    text = (Path(settings.BASE_DIR) / "docs" / "security.md").read_text()
    named, current = [], None
    for file, test, bare_file in re.findall(r"`(tests/[\w/]+\.py)?::(\w+)`|`(tests/[\w/]+\.py)`", text):
        current = bare_file or file or current
        if test:
            named.append((current, test))
    missing = [
        f"{file}::{test}"
        for file, test in named
        if not re.search(rf"^(def {test}\(|{test} = )", (Path(settings.BASE_DIR) / file).read_text(), re.MULTILINE)
    ]

    assert len(named) > 60
    assert missing == []
