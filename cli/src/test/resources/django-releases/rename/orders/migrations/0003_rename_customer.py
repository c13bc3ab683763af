from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [("orders", "0002_seed_statuses")]

    operations = [migrations.RenameField(model_name="order", old_name="customer", new_name="customer_name")]
