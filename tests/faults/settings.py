"""The production settings, as the fault tests serve them (`make test-faults`).

Everything production does, except what a test on 127.0.0.1 cannot have or
does not need: no TLS in front (no HTTPS redirect), and a fast password hash so
that signing up a few dozen clients through the API takes no time.
"""

from stretchapi.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
