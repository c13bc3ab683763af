# 1.2.0, before the rollout: the orders 1.0.0 created get their customer_name, so that this version can read only it
from django.db import migrations
from django.db.models import F


def backfill(apps, schema_editor):
    apps.get_model("orders", "Order").objects.filter(customer_name__isnull=True).update(customer_name=F("customer"))


class Migration(migrations.Migration):

    dependencies = [("orders", "0003_order_customer_name")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
