"""The back office's fulfilment screens: URLs and menu items."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from catalog.backoffice import STOCK_MENU_HOOK
from kit.backoffice import PermissionMenuItem

# --- alloc: backorders and quality holds ---
from .backoffice import VIEW_STOCK
from .backoffice import urlpatterns as allocation_urlpatterns


@hooks.register("register_admin_urls")
def register_allocation_urls():
    return [
        path(
            "fulfilment/", include((allocation_urlpatterns, "fulfilment_allocation"), namespace="fulfilment_allocation")
        )
    ]


@hooks.register(STOCK_MENU_HOOK)
def backorders_menu_item():
    return PermissionMenuItem(
        _("Backorders"), reverse("fulfilment_allocation:backorders"), permission=VIEW_STOCK, icon_name="time", order=60
    )


@hooks.register(STOCK_MENU_HOOK)
def quality_holds_menu_item():
    return PermissionMenuItem(
        _("Quality holds"),
        reverse("fulfilment_allocation:quality_holds"),
        permission=VIEW_STOCK,
        icon_name="warning",
        order=70,
    )


# --- end alloc ---
