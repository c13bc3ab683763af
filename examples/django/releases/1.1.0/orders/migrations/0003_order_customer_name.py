# 1.1.0, expand: the new column, nullable, before the rollout
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("orders", "0002_seed_statuses")]

    operations = [
        migrations.AddField(model_name="order", name="customer_name", field=models.CharField(max_length=200, null=True)),
    ]
