"""Billing's back-office screens: URLs under /backoffice/billing/, menu items and permission
policies. Each part of billing keeps its hooks in its own marked block."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from kit.backoffice import PermissionMenuItem

from .backoffice import invoices as invoice_screens
from .backoffice.customer_360 import company_account_section

# --- Invoices ----------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_invoice_urls():
    return [
        path(
            "billing/invoices/",
            include((invoice_screens.urlpatterns, "billing_invoices"), namespace="billing_invoices"),
        )
    ]


@hooks.register("register_admin_menu_item")
def invoices_menu_item():
    return PermissionMenuItem(
        _("Invoices"),
        reverse("billing_invoices:index"),
        permission=invoice_screens.VIEW_INVOICES,
        icon_name="doc-full",
        order=160,
    )


@hooks.register("register_company_360_section")
def register_company_account_section(request, company):
    return company_account_section(request, company)


# --- End of invoices ---------------------------------------------------------------------------
