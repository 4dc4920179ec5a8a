"""Developer machine: `make run` and `manage.py` default to these settings."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="local-development-only-not-a-secret")
# Let whitenoise serve app static files straight from their folders in DEBUG,
# so a fresh clone works without collectstatic.
WHITENOISE_USE_FINDERS = True
