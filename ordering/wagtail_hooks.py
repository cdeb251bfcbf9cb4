"""The back office's order screens: the Orders menu, the approval queue and "place an order for a
customer" (URL namespace "ordering_admin"), permissions, and the Orders section of the customer
360° page. The views are in ordering.backoffice."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from kit.backoffice import PermissionMenuItem, sidebar_badge

from .backoffice import (
    ORDERS_MENU_HOOK,
    PLACE_FOR_CUSTOMERS,
    VIEW_ORDERS,
    ApprovalsMenuItem,
    OrderPermissionPolicy,
    company_orders_section,
    orders_menu,
    urlpatterns,
    waiting_for_viewer,
)
from .models import ApprovalRule, Order

# Wagtail 8 wants a policy registered for every model with a viewset, before any view asks.
register_permission_policy(Order, OrderPermissionPolicy(Order))
register_permission_policy(ApprovalRule)
# The Approvals item's count is the sidebar's live figure: a new count draws the sidebar anew.
sidebar_badge(waiting_for_viewer)


@hooks.register("register_admin_viewset")
def register_order_viewsets():
    return orders_menu


@hooks.register("register_admin_urls")
def register_ordering_admin_urls():
    return [path("orders/", include((urlpatterns, "ordering_admin"), namespace="ordering_admin"))]


@hooks.register(ORDERS_MENU_HOOK)
def approvals_menu_item():
    return ApprovalsMenuItem(
        _("Approvals"), reverse("ordering_admin:approval_queue"), permission=VIEW_ORDERS, icon_name="tasks", order=0
    )


@hooks.register(ORDERS_MENU_HOOK)
def place_for_customer_menu_item():
    return PermissionMenuItem(
        _("Place an order for a customer"),
        reverse("ordering_admin:place_for_customer"),
        permission=PLACE_FOR_CUSTOMERS,
        icon_name="plus",
        order=5,
    )


@hooks.register("register_company_360_section")
def register_company_orders_section(request, company):
    return company_orders_section(request, company)
