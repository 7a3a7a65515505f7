"""ASGI entry point (``uvicorn kiln.asgi:application``): the statsig_django middleware and
decorators are async-capable, so the shop runs the same under uvicorn."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiln.settings")

application = get_asgi_application()
