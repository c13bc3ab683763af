from django.db import models


class OrderStatus(models.Model):
    """The states an order goes through; filled in by a data migration."""

    code = models.CharField(max_length=20, unique=True)
    label = models.CharField(max_length=100)


class Order(models.Model):
    customer = models.CharField(max_length=200)
    customer_name = models.CharField(max_length=200, null=True)  # nullable: 1.0.0, which does not know it, still inserts
    status = models.ForeignKey(OrderStatus, on_delete=models.PROTECT, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # expand: a new order's customer goes to both columns, so that whichever version serves next reads it
    CUSTOMER_FIELDS = ("customer", "customer_name")
