"""The sign-in and sign-up throttles count in the shared "throttle" cache, by default a database table.

The test settings keep that cache in memory; here it is the database cache the other settings use,
so the counts are rows any worker process reads. tests/faults/test_two_workers.py proves the limit
across two gunicorn workers.
"""

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from stretchapi.api.throttling import SharedScopedRateThrottle

pytestmark = pytest.mark.django_db

TABLE = "stretchapi_throttle_test"
DATABASE_CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "throttle": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": TABLE},
    "catalog": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "catalog"},
}


@pytest.fixture
def database_throttle_cache(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "timer", staticmethod(lambda: 1_000_000.0))
    with override_settings(CACHES=DATABASE_CACHES):
        call_command("createcachetable", verbosity=0)
        yield caches["throttle"]


def test_the_throttles_count_in_the_throttle_cache():
    assert SharedScopedRateThrottle().cache is caches["throttle"]
    assert SharedScopedRateThrottle().cache is not caches["default"]


def test_eleventh_sign_in_is_throttled_with_counts_kept_in_the_database(make_user, database_throttle_cache):
    make_user("client@example.com")
    body = {"email": "client@example.com", "password": "wrong-password", "device_name": "phone"}

    statuses = [APIClient().post("/api/v1/auth/token/", body, format="json").status_code for _ in range(11)]

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {TABLE}")  # noqa: S608 (a constant)
        keys = [key for (key,) in cursor.fetchall()]
    assert statuses == [401] * 10 + [429]
    assert len(keys) == 1 and "throttle_login_127.0.0.1" in keys[0]
