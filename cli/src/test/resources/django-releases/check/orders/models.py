from django.db import models


class OrderStatus(models.Model):
    """The states an order goes through; filled in by a data migration."""

    code = models.CharField(max_length=20, unique=True)
    label = models.CharField(max_length=100)


class Order(models.Model):
    customer = models.CharField(max_length=200)
    status = models.ForeignKey(OrderStatus, on_delete=models.PROTECT, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # every order has a status from now on: the running version creates orders without one
        constraints = [models.CheckConstraint(check=models.Q(status__isnull=False), name="order_has_status")]
