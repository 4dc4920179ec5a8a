"""Shared fixtures. The real catalog (catalog/data/) is loaded once per test database."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_catalog", verbosity=0)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
