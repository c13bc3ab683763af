from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("orders", "0002_seed_statuses")]

    operations = [
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(check=models.Q(status__isnull=False), name="order_has_status"),
        ),
    ]
