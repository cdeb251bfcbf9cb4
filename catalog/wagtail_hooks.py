"""The back office's catalog and stock screens: menus, viewsets, stock admin views, permissions."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from kit.backoffice import PermissionMenuItem

from . import import_admin  # noqa: F401  (import/export screens)
from .backoffice import (
    MOVE_STOCK,
    STOCK_MENU_HOOK,
    VIEW_STOCK,
    catalog_menu,
    product_chooser_viewset,
    stock_menu,
    stock_urlpatterns,
)
from .models import Assortment, Category, Location, PriceList, Product, Warehouse

# Wagtail 8 wants a policy registered for every model with a viewset, before any view asks.
# Plain model permissions: who holds which comes from the staff groups (accounts.roles).
for model in (Product, Category, Assortment, PriceList, Warehouse, Location):
    register_permission_policy(model)


@hooks.register("register_admin_viewset")
def register_catalog_viewsets():
    return [catalog_menu, stock_menu, product_chooser_viewset]


@hooks.register("register_admin_urls")
def register_stock_urls():
    return [path("stock/", include((stock_urlpatterns, "catalog_stock"), namespace="catalog_stock"))]


@hooks.register(STOCK_MENU_HOOK)
def receive_stock_menu_item():
    return PermissionMenuItem(
        _("Receive stock"), reverse("catalog_stock:receive"), permission=MOVE_STOCK, icon_name="plus", order=10
    )


@hooks.register(STOCK_MENU_HOOK)
def adjust_stock_menu_item():
    return PermissionMenuItem(
        _("Adjust stock"), reverse("catalog_stock:adjust"), permission=MOVE_STOCK, icon_name="edit", order=20
    )


@hooks.register(STOCK_MENU_HOOK)
def write_off_stock_menu_item():
    return PermissionMenuItem(
        _("Write off stock"), reverse("catalog_stock:write_off"), permission=MOVE_STOCK, icon_name="bin", order=30
    )


@hooks.register(STOCK_MENU_HOOK)
def expiry_warnings_menu_item():
    return PermissionMenuItem(
        _("Expiry warnings"), reverse("catalog_stock:expiring"), permission=VIEW_STOCK, icon_name="warning", order=40
    )


@hooks.register(STOCK_MENU_HOOK)
def stock_by_product_menu_item():
    return PermissionMenuItem(
        _("Stock by product"), reverse("catalog_stock:products"), permission=VIEW_STOCK, icon_name="list-ul", order=50
    )
