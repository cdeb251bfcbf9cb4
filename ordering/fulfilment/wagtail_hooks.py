"""Fulfilment's back-office screens: URLs (under /backoffice/fulfilment/, a namespace per part:
"fulfilment_shipping" for shipping), menu items and permission policies. Each part of
fulfilment keeps its hooks in its own marked block."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from kit.backoffice import PermissionMenuItem

# --- Shipping ----------------------------------------------------------------------------------
from .backoffice import shipping as shipping_screens


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
