"""The example's traffic: list the newest orders, create one, and the readiness probe's path.

JSON in and out, no templates and no sessions, so that a load generator counts exactly what the database and the code
do to a request during a release.
"""
import json

from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse

from .models import Order, OrderStatus

LIMIT = 20


def _fields():
    """The fields GET lists: a version may read fewer than its model has (releases/1.2.0 reads only the new column)."""
    return sorted(getattr(Order, "LISTED_FIELDS", None) or (f.name for f in Order._meta.concrete_fields))


def _customer(name):
    """Where a new order's customer is written: a version between two columns writes both (releases/1.1.0)."""
    return {field: name for field in getattr(Order, "CUSTOMER_FIELDS", ("customer",))}


def orders(request):
    """GET: the newest orders with every field this version knows; POST {"customer": ...}: a new order."""
    if request.method == "GET":
        rows = list(Order.objects.order_by("-id").values(*_fields())[:LIMIT])
        return JsonResponse({"fields": _fields(), "orders": rows}, json_dumps_params={"default": str})
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse({"error": "the body is not JSON"}, status=400)
        customer = body.get("customer")
        if not isinstance(customer, str) or not customer:
            return JsonResponse({"error": "customer: a non-empty string is required"}, status=400)
        order = Order.objects.create(**_customer(customer), status=OrderStatus.objects.filter(code="new").first())
        return JsonResponse({"id": order.id, "fields": _fields()}, status=201)
    return HttpResponseNotAllowed(["GET", "POST"])


def ready(request):
    """200 once this process reaches its database (the readiness probe), else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1")
    except Exception as e:  # any database error: not ready, and the probe says why
        return JsonResponse({"ready": False, "error": type(e).__name__}, status=503)
    return JsonResponse({"ready": True})
