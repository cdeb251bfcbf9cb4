"""Fulfilment's back-office screens: URLs (under /backoffice/fulfilment/: "fulfilment_admin" for
the warehouse queue and picking, "fulfilment_shipping" for shipping), menu items and permission
policies. Each part of fulfilment keeps its hooks in its own marked block."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from kit.backoffice import PermissionMenuItem

from .backoffice import VIEW_PICK_LISTS, urlpatterns
from .backoffice import shipping as shipping_screens

# --- Shipping ----------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_shipping_urls():
    return [
        path(
            "fulfilment/shipping/",
            include((shipping_screens.urlpatterns, "fulfilment_shipping"), namespace="fulfilment_shipping"),
        )
    ]


@hooks.register("register_admin_menu_item")
def shipments_menu_item():
    return PermissionMenuItem(
        _("Shipments"),
        reverse("fulfilment_shipping:shipments"),
        permission=shipping_screens.VIEW_SHIPMENTS,
        icon_name="truck",
        order=150,
    )


# --- End of shipping -------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_fulfilment_admin_urls():
    return [path("fulfilment/", include((urlpatterns, "fulfilment_admin"), namespace="fulfilment_admin"))]


# --- Picking (helper "pick") -----------------------------------------------------------------


@hooks.register("register_admin_menu_item")
def warehouse_queue_menu_item():
    return PermissionMenuItem(
        _("Warehouse queue"),
        reverse("fulfilment_admin:queue"),
        permission=VIEW_PICK_LISTS,
        icon_name="tasks",
        order=250,
    )


# --- end of picking ---------------------------------------------------------------------------
