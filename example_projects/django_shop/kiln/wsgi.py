"""WSGI entry point (``gunicorn kiln.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiln.settings")

application = get_wsgi_application()
