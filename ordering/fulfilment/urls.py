from django.urls import path

from . import views

app_name = "fulfilment"

urlpatterns = [
    path("shipments/<str:number>/delivery-note.pdf", views.delivery_note, name="delivery_note"),
    # --- returns ---
    path("orders/<str:number>/return/", views.return_new, name="return_new"),
    path("returns/", views.return_list, name="returns"),
    path("returns/<str:number>/", views.return_detail, name="return_detail"),
]
