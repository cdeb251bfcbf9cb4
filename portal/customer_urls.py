from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("no-company/", views.no_company, name="no_company"),
]
