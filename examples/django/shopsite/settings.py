"""Settings of the example shop: just enough Django to migrate a PostgreSQL database.

The database comes from the environment, as the migration Job gets it from the plan's Secret:
DATABASE_URL (postgres://host:port/name, or the JDBC form jdbc:postgresql://host:port/name), DATABASE_USER and
DATABASE_PASSWORD (these win over credentials in the URL).
"""
import os
from urllib.parse import urlparse

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = ["orders"]


def _database():
    raw = os.environ.get("DATABASE_URL")
    if not raw:
        raise SystemExit("CommandError: the environment variable DATABASE_URL is not set")
    url = urlparse(raw[len("jdbc:"):] if raw.startswith("jdbc:") else raw)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.path.lstrip("/"),
        "HOST": url.hostname or "localhost",
        "PORT": str(url.port or 5432),
        "USER": os.environ.get("DATABASE_USER") or url.username or "",
        "PASSWORD": os.environ.get("DATABASE_PASSWORD") or url.password or "",
    }


DATABASES = {"default": _database()}
