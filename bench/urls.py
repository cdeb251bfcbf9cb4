"""The portal's URLs with the framework floor in front of them."""

from django.urls import path

from portal.urls import handler403, handler404, handler500
from portal.urls import urlpatterns as portal_urlpatterns

from . import views

urlpatterns = [path("bench/floor/", views.floor, name="bench_floor"), *portal_urlpatterns]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
