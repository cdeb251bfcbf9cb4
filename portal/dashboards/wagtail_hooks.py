from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from kit.backoffice import PermissionMenuItem

from . import finance, sales_views
from .menu import DASHBOARDS_MENU_HOOK, dashboards_menu_item
from .panels import PANELS, may_edit_pages


@hooks.register("construct_homepage_panels")
def role_panels(request, panels):
    """Each staff role lands on what waits for it; Wagtail's page panels (pages to moderate,
    recent edits, locked pages) stay only for those who may edit pages."""
    if not may_edit_pages(request):
        panels.clear()
    panels.extend(panel(request) for panel in PANELS if panel.shown_to(request))


@hooks.register("insert_global_admin_css")
def chart_styles():
    """The charts' frame (static/css/charts.css): a stylesheet, as the content security policy
    refuses inline styles."""
    return format_html('<link rel="stylesheet" href="{}">', static("css/charts.css"))


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


# --- stock dashboard ---


@hooks.register("register_admin_urls")
def register_stock_dashboard_urls():
    from django.urls import include, path

    from . import offers, stock

    return [
        path(
            "dashboards/stock/offers/",
            include((offers.urlpatterns, "stock_offers"), namespace="stock_offers"),
        ),
        path("dashboards/stock/", include((stock.urlpatterns, "stock_dashboard"), namespace="stock_dashboard")),
    ]


@hooks.register("register_dashboards_menu_item")
def stock_dashboard_menu_item():
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    from kit.backoffice import PermissionMenuItem

    from .stock import VIEW_STOCK_DASHBOARD

    return PermissionMenuItem(
        _("Stock"), reverse("stock_dashboard:index"), permission=VIEW_STOCK_DASHBOARD, icon_name="table", order=30
    )


@hooks.register("register_dashboards_menu_item")
def short_dated_offers_menu_item():
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    from kit.backoffice import PermissionMenuItem

    from .offers import VIEW_OFFERS

    return PermissionMenuItem(
        _("Short-dated offers"), reverse("stock_offers:index"), permission=VIEW_OFFERS, icon_name="tag", order=31
    )


# --- end stock dashboard ---


# --- finance dashboard ---


@hooks.register("register_admin_urls")
def register_finance_dashboard_urls():
    return [
        path(
            "dashboards/finance/",
            include((finance.urlpatterns, "dashboards_finance"), namespace="dashboards_finance"),
        )
    ]


@hooks.register("register_dashboards_menu_item")
def finance_dashboard_menu_item():
    return PermissionMenuItem(
        _("Finance"),
        reverse("dashboards_finance:index"),
        permission=finance.VIEW_FINANCE,
        icon_name="table",
        order=300,
    )


# --- end finance dashboard ---
