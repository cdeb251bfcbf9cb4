"""Billing's back-office screens: URLs under /backoffice/billing/, menu items and permission
policies. Each part of billing keeps its hooks in its own marked block."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from kit.backoffice import PermissionMenuItem

from .backoffice import aging as aging_screens
from .backoffice import statements as statement_screens

# --- Statements ------------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_statement_urls():
    return [
        path("billing/aging/", include((aging_screens.urlpatterns, "billing_aging"), namespace="billing_aging")),
        path(
            "billing/statements/",
            include((statement_screens.urlpatterns, "billing_statements"), namespace="billing_statements"),
        ),
    ]


@hooks.register("register_admin_menu_item")
def aging_menu_item():
    return PermissionMenuItem(
        _("Receivables aging"),
        reverse("billing_aging:report"),
        permission=aging_screens.VIEW_AGING,
        icon_name="date",
        order=170,
    )


@hooks.register("register_admin_menu_item")
def statements_menu_item():
    return PermissionMenuItem(
        _("Statements"),
        reverse("billing_statements:statements"),
        permission=statement_screens.VIEW_STATEMENTS,
        icon_name="list-ul",
        order=171,
    )


@hooks.register("register_admin_menu_item")
def disputes_menu_item():
    return PermissionMenuItem(
        _("Statement disputes"),
        reverse("billing_statements:disputes"),
        permission=statement_screens.VIEW_DISPUTES,
        icon_name="warning",
        order=172,
    )


# --- End of statements -----------------------------------------------------------------------------
