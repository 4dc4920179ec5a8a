"""Test runs: SQLite in memory by default, PostgreSQL when DATABASE_URL says so."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "exports": STORAGES["exports"],  # noqa: F405  -- tests point its location at a temporary folder
}
WHITENOISE_USE_FINDERS = True
# Look a static file up when it is asked for, not all of them (about 170, through the finders) each time a
# middleware chain is built: the test client builds one per client, so that scan cost about 50 ms a test.
WHITENOISE_AUTOREFRESH = True

# A second alias, as a read replica would be: a test mirror of `default` (same
# database, its own connection). Exports still read `default` unless a test
# points EXPORT_DATABASE at it (tests/stretchapi/test_db_routers.py).
DATABASES["analytics"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405

# The throttles count in each test process's memory: tests that may not touch the database still
# clear every cache (tests/conftest.py). tests/stretchapi/test_throttling.py counts on the database
# cache, and tests/faults/test_two_workers.py across two gunicorn workers.
CACHES["throttle"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}  # noqa: F405
