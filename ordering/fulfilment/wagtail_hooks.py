"""The back office's fulfilment screens: URLs (namespace "fulfilment_admin") and menu items.
Each part of fulfilment keeps its hooks in its own block."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from kit.backoffice import PermissionMenuItem

from .backoffice import VIEW_PICK_LISTS, urlpatterns


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
