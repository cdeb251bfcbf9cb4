from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from kit.backoffice import PermissionMenuItem

from . import sales_views
from .menu import DASHBOARDS_MENU_HOOK, dashboards_menu_item
from .panels import PANELS, may_edit_pages


@hooks.register("construct_homepage_panels")
def role_panels(request, panels):
    """Each staff role lands on what waits for it; Wagtail's page panels (pages to moderate,
    recent edits, locked pages) stay only for those who may edit pages."""
    if not may_edit_pages(request):
        panels.clear()
    panels.extend(panel(request) for panel in PANELS if panel.shown_to(request))


@hooks.register("register_admin_menu_item")
def register_dashboards_menu():
    return dashboards_menu_item()


# --- Sales dashboard ---------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_sales_dashboard_urls():
    return [
        path(
            "dashboards/sales/",
            include((sales_views.urlpatterns, "dashboards_sales"), namespace="dashboards_sales"),
        )
    ]


@hooks.register(DASHBOARDS_MENU_HOOK)
def sales_dashboard_menu_item():
    return PermissionMenuItem(
        _("Sales"),
        reverse("dashboards_sales:sales"),
        permission=sales_views.VIEW_SALES_DASHBOARD,
        icon_name="pick",
        order=0,
    )


# --- End of sales dashboard --------------------------------------------------------------------
