# 1.3.0, contract: after the rollout (migration.postRollout), once no version that reads "customer" serves
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [("orders", "0005_order_customer_nullable")]

    operations = [migrations.RemoveField(model_name="order", name="customer")]
