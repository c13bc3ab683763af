# 1.3.0, before the rollout: this version stops writing "customer", so it may no longer be required (1.2.0, still
# serving during the rollout, writes it anyway)
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("orders", "0004_backfill_customer_name")]

    operations = [migrations.AlterField(model_name="order", name="customer", field=models.CharField(max_length=200, null=True))]
