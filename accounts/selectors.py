"""Reads that more than one view needs."""

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Count, Q, QuerySet

from . import roles
from .models import Company, Membership


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def sees_all_companies(user) -> bool:
    """Staff who see every customer (finance, managers, order approvers, superusers)."""
    return user.is_superuser or user.has_perm("accounts.view_all_companies")


def companies_for_staff(user) -> QuerySet[Company]:
    """The customers a staff user may see: a sales rep only their own.

    The one definition of "a rep's customers": whatever belongs to a customer (its orders, its
    contract price lists, its assortments) is narrowed through this queryset.
    """
    companies = Company.objects.select_related("region", "sales_rep", "price_tier")
    if sees_all_companies(user):
        return companies
    return companies.filter(sales_rep=user)


def staff_holding(permission: str) -> list:
    """The active staff users who hold `permission` ("app_label.codename") through a role or on
    their own and see every customer: whom the back office tells of work on any customer.
    (A sales rep holding it acts for their own customers only; tell them by name.)"""
    app_label, codename = permission.split(".")
    granted = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if granted is None:
        return []
    holders = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions=granted) | Q(user_permissions=granted))
        .distinct()
        .order_by("pk")
    )
    return [user for user in holders if sees_all_companies(user)]


def company_members(company: Company) -> QuerySet[Membership]:
    return company.memberships.select_related("user").order_by("user__email")


def admin_count(company: Company) -> int:
    return company.memberships.filter(role=Membership.Role.ADMIN).count()


def companies_with_member_counts(queryset: QuerySet[Company]) -> QuerySet[Company]:
    return queryset.annotate(
        member_count=Count("memberships", distinct=True),
        admin_count=Count("memberships", filter=Q(memberships__role=Membership.Role.ADMIN), distinct=True),
    )


def sales_reps() -> QuerySet:
    """The active staff users in the sales rep role (the back office's "sales rep" filters)."""
    return get_user_model().objects.filter(groups__name=roles.SALES_REP, is_active=True).order_by("email")
