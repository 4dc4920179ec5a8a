"""Shared fixtures. The real catalog (catalog/data/) is loaded once per test database."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """The test database, migrated, with the real catalog loaded once.

    Replaces pytest-django's fixture, which creates only the databases that
    marked tests name: the concurrency tests use committed data outside any
    test transaction and carry no marker.
    """
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
        call_command("createcachetable", verbosity=0)  # as scripts/start.sh does, for a database cache
        call_command("load_catalog", verbosity=0)
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture(autouse=True)
def empty_caches():
    """Every test starts with empty caches: catalog answers are kept under the catalog version,
    which each test's rolled-back database starts again from, whatever the test changed."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_user(db):
    from sessions.models import User

    def make(email: str = "client@example.com", role: str = "client", password: str = "a-long-Passphrase-42"):
        return User.objects.create_user(email=email, password=password, role=role)

    return make


@pytest.fixture
def client_user(make_user):
    return make_user("client@example.com")


@pytest.fixture
def other_client(make_user):
    return make_user("other@example.com")


@pytest.fixture
def trainer(make_user):
    return make_user("trainer@example.com", role="trainer")


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.com", role="staff")


def bearer_client(user, device_name: str = "test-phone") -> APIClient:
    """An API client signed in as `user` with a real device token."""
    from sessions.accounts.services import token_issue

    _, raw = token_issue(user=user, device_name=device_name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def as_client(client_user) -> APIClient:
    return bearer_client(client_user)
