"""Service tickets in the back office: URLs under /backoffice/tickets/, the sidebar item, the
Service dashboard's item (in helper "dash"'s Dashboards submenu), the 360° section, and
Settings → "Service targets" (the manager's)."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from kit.backoffice import PermissionMenuItem

from . import backoffice, selectors
from .customer_360 import company_tickets_section
from .models import ServiceTarget

register_permission_policy(ServiceTarget)


@hooks.register("register_admin_urls")
def register_ticket_urls():
    return [path("tickets/", include((backoffice.urlpatterns, "tickets_backoffice"), namespace="tickets_backoffice"))]


@hooks.register("register_admin_menu_item")
def tickets_menu_item():
    return PermissionMenuItem(
        _("Service tickets"),
        reverse("tickets_backoffice:queue"),
        permission=selectors.VIEW_TICKETS,
        icon_name="help",
        order=180,
    )


@hooks.register("register_dashboards_menu_item")
def service_dashboard_menu_item():
    return PermissionMenuItem(
        _("Service"),
        reverse("tickets_backoffice:dashboard"),
        permission=selectors.VIEW_TICKETS,
        icon_name="time",
        order=50,
    )


@hooks.register("register_company_360_section")
def register_tickets_section(request, company):
    return company_tickets_section(request, company)


class ServiceTargetViewSet(ModelViewSet):
    """One row per kind, seeded by migration; the manager changes the hours. Nobody holds
    add or delete (accounts.roles): the kinds are fixed."""

    model = ServiceTarget
    icon = "time"
    menu_label = _("Service targets")
    menu_name = "service-targets"
    menu_order = 620
    add_to_settings_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = ["__str__", "first_response_hours", "resolution_hours"]
    panels = [FieldPanel("first_response_hours"), FieldPanel("resolution_hours")]
    search_fields = None


service_target_viewset = ServiceTargetViewSet("service-targets")


@hooks.register("register_admin_viewset")
def register_service_target_viewset():
    return service_target_viewset
