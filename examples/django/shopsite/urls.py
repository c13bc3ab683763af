from django.urls import path

from orders import views

urlpatterns = [
    path("orders/", views.orders),
    path("healthz/ready", views.ready),
]
