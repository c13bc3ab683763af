from django.db import models


class OrderStatus(models.Model):
    """The states an order goes through; filled in by a data migration."""

    code = models.CharField(max_length=20, unique=True)
    label = models.CharField(max_length=100)


class Order(models.Model):
    customer_name = models.CharField(max_length=200)  # the old column "customer" is no longer read nor written
    status = models.ForeignKey(OrderStatus, on_delete=models.PROTECT, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    CUSTOMER_FIELDS = ("customer_name",)
