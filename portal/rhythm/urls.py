from django.urls import path

from . import views

app_name = "rhythm"

urlpatterns = [
    path("usual-order/", views.add_usual_order, name="add_usual_order"),
]
