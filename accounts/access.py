"""Who may see what: the one place customer views get their company from.

Every customer-facing view reads the active company through `request.membership` (set by
`ActiveCompanyMiddleware`) and fetches objects with `get_for_member()`, which answers 404 for
anything outside that company. The tenancy sweep in tests/portal/test_tenancy.py walks every
URL pattern that takes an id, slug or token and proves it.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404, redirect

from .models import Membership

ACTIVE_COMPANY_SESSION_KEY = "tradecounter_active_company"


def memberships_for(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("company").order_by("company__display_name")


def resolve_active_membership(request) -> Membership | None:
    """The membership for the company chosen in this session, else the user's first one."""
    user = request.user
    if not user.is_authenticated:
        return None
    company_id = request.session.get(ACTIVE_COMPANY_SESSION_KEY)
    membership = None
    if company_id is not None:
        membership = memberships_for(user).filter(company_id=company_id).first()
    if membership is None:
        membership = memberships_for(user).first()
        if membership is not None:
            request.session[ACTIVE_COMPANY_SESSION_KEY] = membership.company_id
    return membership


def switch_company(request, company_id: int) -> Membership:
    """Make `company_id` the active company; 404 unless the user belongs to it."""
    membership = get_object_or_404(memberships_for(request.user), company_id=company_id)
    request.session[ACTIVE_COMPANY_SESSION_KEY] = membership.company_id
    request.membership = membership
    return membership


def member_required(view=None, *, roles: tuple[str, ...] | None = None):
    """A signed-in member of the active company, optionally with one of `roles`.

    Without any membership the user is sent to the page that explains it; with the wrong role
    they get 403.
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:
                return redirect("portal:no_company")
            if roles is not None and request.membership.role not in roles:
                raise PermissionDenied
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def company_admin_required(view):
    return member_required(view, roles=(Membership.Role.ADMIN,))


def scoped(request, queryset: QuerySet) -> QuerySet:
    """`queryset` narrowed to the active company (models with a `company` foreign key)."""
    return queryset.filter(company=request.membership.company)


def get_for_member(request, queryset: QuerySet | type[Model], **lookup):
    """One object of the active company, or 404."""
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    return get_object_or_404(scoped(request, queryset), **lookup)
