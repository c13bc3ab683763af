# contract: after the rollout (migration.postRollout), but this release's code still reads the column
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [("orders", "0003_order_customer_name")]

    operations = [migrations.RemoveField(model_name="order", name="customer")]
