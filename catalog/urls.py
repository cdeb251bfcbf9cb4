from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("products/<str:sku>/", views.product_detail, name="product_detail"),
]
