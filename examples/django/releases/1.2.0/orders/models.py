from django.db import models


class OrderStatus(models.Model):
    """The states an order goes through; filled in by a data migration."""

    code = models.CharField(max_length=20, unique=True)
    label = models.CharField(max_length=100)


class Order(models.Model):
    customer = models.CharField(max_length=200)  # still written: 1.1.0 reads it while this version rolls out
    customer_name = models.CharField(max_length=200, null=True)
    status = models.ForeignKey(OrderStatus, on_delete=models.PROTECT, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    CUSTOMER_FIELDS = ("customer", "customer_name")
    # reads the new column only (backfilled by 0004 for the orders 1.0.0 created)
    LISTED_FIELDS = ("created_at", "customer_name", "id", "status")
