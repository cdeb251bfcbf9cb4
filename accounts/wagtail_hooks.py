"""The back office's customer screens, and staff users kept consistent with their roles."""

from django.contrib.auth import get_user_model
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .backoffice import CompanyPermissionPolicy, company_viewset
from .backoffice_tiers import price_tier_viewset, region_viewset
from .models import Company, PriceTier, Region

# Wagtail 8 wants the policy registered before any view asks for it (i.e. at import time here).
register_permission_policy(Company, CompanyPermissionPolicy(Company))
# Regions and tiers are everyone's (not a customer's): plain model permissions from the groups.
for model in (Region, PriceTier):
    register_permission_policy(model)


@hooks.register("register_admin_viewset")
def register_company_viewset():
    return company_viewset


@hooks.register("register_admin_viewset")
def register_region_and_tier_viewsets():
    return [region_viewset, price_tier_viewset]


def _sync_staff_flag(user) -> None:
    """`is_staff` follows the user's roles: a user with a staff group (or a superuser) is staff.

    Wagtail's Users screen sets groups but has no staff flag, and the rest of the portal keys
    on `is_staff` (the second-factor check of the back office, the sales-rep choices), so a
    colleague given the Finance role there must become staff at once.
    """
    is_staff = user.is_superuser or user.groups.exists()
    if user.is_staff != is_staff:
        get_user_model().objects.filter(pk=user.pk).update(is_staff=is_staff)
        user.is_staff = is_staff


@hooks.register("after_create_user")
def staff_flag_after_create_user(request, user):
    _sync_staff_flag(user)


@hooks.register("after_edit_user")
def staff_flag_after_edit_user(request, user):
    _sync_staff_flag(user)


@hooks.register("after_bulk_action")
def staff_flag_after_assign_role(request, action_type, objects, action_class_instance):
    if action_type == "assign_role":
        for user in objects:
            _sync_staff_flag(user)
