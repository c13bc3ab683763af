"""python3 manage.py check_compatibility [app_label ...]: does the code of this image still work against the database?

migrate-then-deploy runs it (migration.compatibility) from the image the Deployments run now, right after the new
release's migration and before its rollout: the version that keeps serving during the rollout is tried against the new
schema. For every model of the given apps (default: every installed app), in one transaction that is rolled back
whatever happens, so that nothing is left behind:

- read: selects a row with all the fields this code knows (a renamed or dropped column fails);
- insert: inserts the smallest row this code writes: nullable fields NULL, fields with a default as the code fills them,
  required ones a sample value (a new NOT NULL column without a database default, a new CHECK or a new foreign key that
  this code does not fill fails);
- update: writes every field of a row back (a renamed column, a trigger or a constraint on the new schema fails).

Each failure is one line; the command exits with status 1 when there is any. Your own checks (the queries your views
make, a smoke test of your API against the database) can be added in the same way, or run as a command of their own.
"""
import datetime
import decimal
import sys
import uuid

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, models, transaction
from django.utils import timezone


class _RolledBack(Exception):
    """Raised at the end of the outer transaction so that Django rolls everything back."""


class _NotTried(Exception):
    """A step that cannot be tried here (say, no row to read or to refer to): not a failure."""


class Command(BaseCommand):
    help = "Tries every model of this code against the database's schema in a transaction that is rolled back."

    def add_arguments(self, parser):
        parser.add_argument("app_label", nargs="*", help="the apps whose models to try (default: every installed app)")

    def handle(self, *app_labels, **options):
        chosen = [apps.get_app_config(label) for label in app_labels] if app_labels else list(apps.get_app_configs())
        candidates = [m for config in chosen for m in config.get_models()
                      if m._meta.managed and not m._meta.proxy and not m._meta.swapped]
        failures = []
        inserted = {}
        try:
            with transaction.atomic():
                for model in _referenced_first(candidates):
                    for step in (_read, _insert, _update):
                        try:
                            with transaction.atomic():  # a savepoint: one failure does not hide the next
                                done = step(model, inserted)
                        except _NotTried as e:
                            self.stdout.write(f"{model._meta.label}: {step.__name__[1:]} not tried: {e}")
                        except DatabaseError as e:
                            failures.append(f"{model._meta.label}: {step.__name__[1:]} failed: {_first_line(e)}")
                            self.stdout.write(failures[-1])
                        else:
                            self.stdout.write(f"{model._meta.label}: {step.__name__[1:]} ok{done}")
                raise _RolledBack()
        except _RolledBack:
            pass
        if failures:
            more = f" (and {len(failures) - 1} more failure(s) above)" if len(failures) > 1 else ""
            sys.stdout.flush()  # the lines above before the error's, which goes to stderr: the log's last line says why
            raise CommandError(failures[0] + more)
        self.stdout.write(f"compatible: {len(candidates)} model(s) read, inserted and updated; nothing was kept")


def _read(model, inserted):
    row = model._default_manager.order_by("pk").first()  # every field this code knows, in one SELECT
    return "" if row is not None else " (no rows yet)"


def _insert(model, inserted):
    obj = model()
    for field in model._meta.concrete_fields:
        if isinstance(field, models.AutoField) or field.has_default() or field.null:
            continue  # the database numbers it, or the code fills it (its default, or NULL)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.is_relation:
            target = inserted.get(field.related_model) or field.related_model._default_manager.order_by("pk").first()
            if target is None:
                raise _NotTried(f"no {field.related_model._meta.label} row for {field.name} to refer to")
            setattr(obj, field.name, target)
        else:
            setattr(obj, field.attname, _sample(field))
    obj.save(force_insert=True)
    inserted[model] = obj
    return ""


def _update(model, inserted):
    row = model._default_manager.order_by("pk").first() or inserted.get(model)
    if row is None:
        raise _NotTried("no row to update")
    row.save(force_update=True)  # every field, as this code writes a row it changed
    return ""


def _sample(field):
    """A value of the field's type that fits its length and choices: unique, for unique fields."""
    if field.choices:
        return field.choices[0][0]
    token = uuid.uuid4().hex[:8]
    kind = field.get_internal_type()
    if isinstance(field, models.EmailField):
        return f"check-{token}@example.com"[: field.max_length]
    if kind in ("CharField", "TextField", "SlugField", "URLField", "FilePathField", "FileField", "ImageField"):
        return f"check-{token}"[: field.max_length or None]
    if kind in ("IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
                "PositiveBigIntegerField", "PositiveSmallIntegerField"):
        return int(token[:4], 16) + 1 if field.unique else 1
    if kind == "DecimalField":
        return decimal.Decimal(0)
    if kind == "FloatField":
        return 0.0
    if kind == "BooleanField":
        return False
    if kind == "DateTimeField":
        return timezone.now()
    if kind == "DateField":
        return datetime.date.today()
    if kind == "TimeField":
        return datetime.time(0, 0)
    if kind == "DurationField":
        return datetime.timedelta(0)
    if kind == "UUIDField":
        return uuid.uuid4()
    if kind == "JSONField":
        return {}
    if kind == "BinaryField":
        return b""
    return field.get_default()


def _referenced_first(candidates):
    """The models in an order where each comes after those its foreign keys refer to (so an insert has a row to refer to)."""
    ordered, seen = [], set()

    def visit(model):
        if model in seen:
            return
        seen.add(model)
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in candidates and field.related_model is not model:
                visit(field.related_model)
        ordered.append(model)

    for model in candidates:
        visit(model)
    return ordered


def _first_line(error):
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
