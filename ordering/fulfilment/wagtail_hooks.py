"""Fulfilment's back-office hooks: its admin URLs, menu items and links on catalog's screens.
Each screen family keeps its hooks in its own block."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from catalog.backoffice import LOT_LINKS_HOOK, STOCK_MENU_HOOK, VIEW_STOCK
from kit.backoffice import PermissionMenuItem

from .backoffice import trace

# --- Trace: a lot's receivers and recall, an order's lots, expiring lots and their orders ------


@hooks.register("register_admin_urls")
def register_trace_urls():
    return [
        path(
            "fulfilment/trace/",
            include((trace.urlpatterns, "fulfilment_trace"), namespace="fulfilment_trace"),
        )
    ]


@hooks.register(STOCK_MENU_HOOK)
def expiring_lots_menu_item():
    return PermissionMenuItem(
        _("Expiring lots and their orders"),
        reverse("fulfilment_trace:expiring"),
        permission=VIEW_STOCK,
        icon_name="warning",
        order=45,
    )


@hooks.register(LOT_LINKS_HOOK)
def lot_trace_link(request, lot):
    if request.user.has_perm(VIEW_STOCK):
        return _("Trace"), trace.lot_trace_url(lot.pk)
    return None
