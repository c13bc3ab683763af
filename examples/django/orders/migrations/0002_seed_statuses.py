# A data migration: the statuses every order can have. Django takes no lock while migrating, so two copies of this
# running at once (an entrypoint's migrate in every Pod) could both insert them; migrate-then-deploy runs it once.
from django.db import migrations

STATUSES = [("new", "New"), ("paid", "Paid"), ("shipped", "Shipped")]


def seed(apps, schema_editor):
    OrderStatus = apps.get_model("orders", "OrderStatus")
    for code, label in STATUSES:
        OrderStatus.objects.create(code=code, label=label)


def unseed(apps, schema_editor):
    apps.get_model("orders", "OrderStatus").objects.filter(code__in=[c for c, _ in STATUSES]).delete()


class Migration(migrations.Migration):

    dependencies = [("orders", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
