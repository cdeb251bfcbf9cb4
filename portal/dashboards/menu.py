"""The back office's one "Dashboards" menu: each dashboard registers its item with
`@hooks.register(DASHBOARDS_MENU_HOOK)` (a `kit.backoffice.PermissionMenuItem`, shown to those
with its permission); the menu shows only when one of its items does."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import Menu, SubmenuMenuItem

DASHBOARDS_MENU_HOOK = "register_dashboards_menu_item"


def dashboards_menu_item() -> SubmenuMenuItem:
    return SubmenuMenuItem(
        _("Dashboards"), Menu(register_hook_name=DASHBOARDS_MENU_HOOK), name="dashboards", icon_name="pick", order=130
    )
