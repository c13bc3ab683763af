# 1.4.0, unsafe: renames a column the running version reads, before its rollout (the expand/contract way: add "buyer",
# write both, backfill, read it, drop "customer_name" after the rollout, as 1.1.0 to 1.3.0 do)
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [("orders", "0006_remove_order_customer")]

    operations = [migrations.RenameField(model_name="order", old_name="customer_name", new_name="buyer")]
