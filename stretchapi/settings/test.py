"""Test runs: SQLite in memory by default, PostgreSQL when DATABASE_URL says so."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# A second alias, as a read replica would be: a test mirror of `default` (same
# database, its own connection). Exports still read `default` unless a test
# points EXPORT_DATABASE at it (tests/stretchapi/test_db_routers.py).
DATABASES["analytics"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
