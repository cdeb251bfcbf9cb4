"""Staff roles are Django groups with permissions, kept in code and synced after migrate.

A staff user's powers are exactly their groups' permissions; `manage.py migrate` (and so every
deployment) brings the groups back in line with this table. Superusers see everything.
"""

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

SALES_REP = "Sales rep"
ORDER_APPROVER = "Order approver"
FINANCE = "Finance"
WAREHOUSE = "Warehouse"
MANAGER = "Manager"
CONTENT_EDITOR = "Content editor"

# Group names are stored in English (they are keys); these are their translated labels.
ROLE_LABELS = {
    SALES_REP: _("Sales rep"),
    ORDER_APPROVER: _("Order approver"),
    FINANCE: _("Finance"),
    WAREHOUSE: _("Warehouse"),
    MANAGER: _("Manager"),
    CONTENT_EDITOR: _("Content editor"),
}

_BACK_OFFICE = ["wagtailadmin.access_admin"]
_SEE_COMPANIES = ["accounts.view_company", "accounts.view_membership", "accounts.view_invitation"]

STAFF_GROUP_PERMISSIONS: dict[str, list[str]] = {
    # A rep edits their own customers (the queryset is narrowed in accounts.selectors) and
    # invites their users, but not credit limits or terms.
    SALES_REP: _BACK_OFFICE
    + _SEE_COMPANIES
    + ["accounts.add_company", "accounts.change_company", "accounts.add_invitation"],
    ORDER_APPROVER: _BACK_OFFICE + _SEE_COMPANIES + ["accounts.view_all_companies"],
    FINANCE: _BACK_OFFICE
    + _SEE_COMPANIES
    + [
        "accounts.view_all_companies",
        "accounts.change_company",
        "accounts.change_credit_terms",
    ],
    WAREHOUSE: _BACK_OFFICE,
    MANAGER: _BACK_OFFICE + _SEE_COMPANIES + ["accounts.view_all_companies"],
    CONTENT_EDITOR: _BACK_OFFICE
    + [
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.choose_document",
    ],
}


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def sync_staff_groups() -> None:
    for name, dotted_permissions in STAFF_GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set([_permission(dotted) for dotted in dotted_permissions])
    _grant_content_editor_pages()


def _grant_content_editor_pages() -> None:
    """Content editors edit and publish every page under the site root."""
    from wagtail.models import GroupPagePermission, Page

    root = Page.get_first_root_node()
    if root is None:
        return
    group = Group.objects.get(name=CONTENT_EDITOR)
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=root,
            permission=Permission.objects.get(codename=codename, content_type__app_label="wagtailcore"),
        )


def sync_staff_groups_after_migrate(sender, **kwargs) -> None:
    # Wagtail's and our permissions must all exist; post_migrate for the last app guarantees it
    # only if we check that the tables are there.
    from django.db import connection

    if "wagtailcore_grouppagepermission" not in connection.introspection.table_names():
        return
    sync_staff_groups()


def staff_roles(user) -> list[str]:
    return [group.name for group in user.groups.all()]
