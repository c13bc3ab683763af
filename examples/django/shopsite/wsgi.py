"""The WSGI application gunicorn serves: python3 -m gunicorn shopsite.wsgi (see the README)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopsite.settings")
application = get_wsgi_application()
