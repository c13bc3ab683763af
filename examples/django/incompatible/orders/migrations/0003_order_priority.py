# Adds a required column with a default: Django adds it with DEFAULT 1, then drops the default, so the database
# requires a value that the running version (which does not know the column) never gives.
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("orders", "0002_seed_statuses")]

    operations = [
        migrations.AddField(model_name="order", name="priority", field=models.IntegerField(default=1)),
    ]
