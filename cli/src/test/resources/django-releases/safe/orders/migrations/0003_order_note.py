from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("orders", "0002_seed_statuses")]

    operations = [migrations.AddField(model_name="order", name="note", field=models.TextField(blank=True, null=True))]
