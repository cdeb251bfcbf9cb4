"""Fulfilment's back-office screens: URLs under /backoffice/fulfilment/ ("fulfilment_admin" for
the warehouse queue and picking, "fulfilment_shipping" for shipping, "fulfilment_documents" for
delivery notes and printed pick lists, "fulfilment_trace" for traceability and recall,
"fulfilment_allocation" for backorders and quality holds, "fulfilment_returns" for returns),
menu items, links on catalog's screens and permission policies. Each part of fulfilment keeps its
hooks in its own marked block."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from catalog.backoffice import LOT_LINKS_HOOK, STOCK_MENU_HOOK, VIEW_STOCK
from kit.backoffice import PermissionMenuItem

from .backoffice import VIEW_PICK_LISTS, trace, urlpatterns
from .backoffice import allocation as allocation_screens
from .backoffice import documents as document_screens
from .backoffice import returns as return_screens
from .backoffice import shipping as shipping_screens
from .backoffice.customer_360 import company_shipments_section

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


@hooks.register("register_company_360_section")
def register_company_shipments_section(request, company):
    return company_shipments_section(request, company)


# --- End of shipping -------------------------------------------------------------------------

# --- Picking -----------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_fulfilment_admin_urls():
    return [path("fulfilment/", include((urlpatterns, "fulfilment_admin"), namespace="fulfilment_admin"))]


@hooks.register("register_admin_menu_item")
def warehouse_queue_menu_item():
    return PermissionMenuItem(
        _("Warehouse queue"),
        reverse("fulfilment_admin:queue"),
        permission=VIEW_PICK_LISTS,
        icon_name="tasks",
        order=250,
    )


# --- End of picking ----------------------------------------------------------------------------

# --- Documents: delivery notes and pick list PDFs ----------------------------------------------


@hooks.register("register_admin_urls")
def register_fulfilment_document_urls():
    return [
        path(
            "fulfilment/documents/",
            include((document_screens.urlpatterns, "fulfilment_documents"), namespace="fulfilment_documents"),
        )
    ]


# --- End of documents --------------------------------------------------------------------------

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


# --- End of trace ------------------------------------------------------------------------------

# --- Allocation: backorders and quality holds --------------------------------------------------


@hooks.register("register_admin_urls")
def register_allocation_urls():
    return [
        path(
            "fulfilment/allocation/",
            include((allocation_screens.urlpatterns, "fulfilment_allocation"), namespace="fulfilment_allocation"),
        )
    ]


@hooks.register(STOCK_MENU_HOOK)
def backorders_menu_item():
    return PermissionMenuItem(
        _("Backorders"),
        reverse("fulfilment_allocation:backorders"),
        permission=VIEW_STOCK,
        icon_name="time",
        order=60,
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


# --- End of allocation -------------------------------------------------------------------------

# --- Returns -----------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_return_urls():
    return [
        path(
            "fulfilment/returns/",
            include((return_screens.urlpatterns, "fulfilment_returns"), namespace="fulfilment_returns"),
        )
    ]


@hooks.register("register_admin_menu_item")
def returns_menu_item():
    return PermissionMenuItem(
        _("Returns"),
        reverse("fulfilment_returns:returns"),
        permission=return_screens.VIEW_RETURNS,
        icon_name="rotate",
        order=160,
    )


# --- End of returns ----------------------------------------------------------------------------
