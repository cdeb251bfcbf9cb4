from django.urls import path

from . import views

app_name = "fulfilment"

urlpatterns = [
    path("shipments/<str:number>/delivery-note.pdf", views.delivery_note, name="delivery_note"),
]
