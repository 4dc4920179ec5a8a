"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stretchapi.settings.production")

django_application = get_wsgi_application()

# Imported once Django is set up: it reads the settings and the caches.
from catalog.api.middleware import CatalogCacheApp  # noqa: E402

# Anonymous catalog reads the stack answered before are answered in front of it.
application = CatalogCacheApp(django_application)
