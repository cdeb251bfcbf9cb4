"""Rhythm's back-office screens: URLs under /backoffice/rhythm/ ("rhythm_admin"), the churn
warnings and segments in the Dashboards menu, and the 360° page's rhythm and notes sections."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from kit.backoffice import PermissionMenuItem

from .backoffice import VIEW_RHYTHM, urlpatterns
from .customer_360 import company_notes_section, company_rhythm_section


@hooks.register("register_admin_urls")
def register_rhythm_urls():
    return [path("rhythm/", include((urlpatterns, "rhythm_admin"), namespace="rhythm_admin"))]


# The "Dashboards" submenu is portal.dashboards'; these are two of its items.
@hooks.register("register_dashboards_menu_item")
def churn_warnings_menu_item():
    return PermissionMenuItem(
        _("Churn warnings"), reverse("rhythm_admin:warnings"), permission=VIEW_RHYTHM, icon_name="warning", order=200
    )


@hooks.register("register_dashboards_menu_item")
def customer_segments_menu_item():
    return PermissionMenuItem(
        _("Customer segments"), reverse("rhythm_admin:customers"), permission=VIEW_RHYTHM, icon_name="group", order=210
    )


@hooks.register("register_company_360_section")
def register_company_rhythm_section(request, company):
    return company_rhythm_section(request, company)


@hooks.register("register_company_360_section")
def register_company_notes_section(request, company):
    return company_notes_section(request, company)
