from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("new/", views.ticket_new, name="ticket_new"),
    path("<str:number>/", views.ticket_detail, name="ticket"),
    path("<str:number>/rate/", views.ticket_rate, name="ticket_rate"),
    path("<str:number>/photos/<int:photo_id>/", views.ticket_photo, name="ticket_photo"),
]
