"""Settings of the example shop: just enough Django to migrate a PostgreSQL database and serve its orders.

The database comes from the environment as most Django apps take it (dj-database-url's form), as the migration Job
gets it from the plan's Secret: DATABASE_URL=postgresql://user:password@host:port/name.
"""
import os
from urllib.parse import unquote, urlparse

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = ["orders"]
ROOT_URLCONF = "shopsite.urls"
WSGI_APPLICATION = "shopsite.wsgi.application"


def _database():
    # what dj_database_url.config() does for a PostgreSQL URL, without the dependency
    raw = os.environ.get("DATABASE_URL")
    if not raw:
        raise SystemExit("CommandError: the environment variable DATABASE_URL is not set")
    url = urlparse(raw)
    if url.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("CommandError: DATABASE_URL must be postgresql://user:password@host:port/name, not "
                         + url.scheme + ":... (the sandbox's Secret has this form as POSTGRES_URL)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(url.path.lstrip("/")),
        "HOST": url.hostname or "localhost",
        "PORT": str(url.port or 5432),
        "USER": unquote(url.username or ""),
        "PASSWORD": unquote(url.password or ""),
        # each gunicorn worker keeps its connection for a minute rather than opening one per request (a new PostgreSQL
        # connection is a new backend process: it cost more CPU than the request); a per-database setting, as Django
        # reads it
        "CONN_MAX_AGE": 60,
    }


DATABASES = {"default": _database()}
