"""WSGI entry point for gunicorn.

`django_application` is Django itself; `application`, what gunicorn serves,
is Django wrapped by each of `settings.WSGI_WRAPPERS` in turn (the first is
innermost). The wrappers are named in the settings, so that the project
package imports no app.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stretchapi.settings.production")

django_application = get_wsgi_application()

# Imported once Django is set up: a wrapper may read the settings and the caches.
application = django_application
for wrapper in settings.WSGI_WRAPPERS:
    application = import_string(wrapper)(application)
