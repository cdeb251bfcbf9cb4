"""Who may see what: the one place customer views get their company from.

Every customer-facing view reads the active company through `request.membership` (set by
`ActiveCompanyMiddleware`) and fetches objects with `get_for_member()`, which answers 404 for
anything outside that company. The tenancy sweep in tests/portal/test_tenancy.py walks every
URL pattern that takes an id, slug or token and proves it.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.shortcuts import get_object_or_404, redirect

from .caching import forget_now_and_on_commit
from .models import Membership, Notification

ACTIVE_COMPANY_SESSION_KEY = "tradecounter_active_company"


def memberships_for(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("company").order_by("company__display_name")


# Every page needs the person's memberships (with their companies) and unread notification
# count; both change rarely next to how often pages are read, so they are kept in the shared
# cache and dropped when they change (accounts.signals, and ordering marking notifications read).
MEMBERSHIPS_TIMEOUT = 10 * 60


def _memberships_key(user_id: int) -> str:
    return f"accounts:memberships:{user_id}"


def _unread_key(user_id: int) -> str:
    return f"accounts:unread-notifications:{user_id}"


def forget_memberships(user_ids) -> None:
    """These people's memberships or their companies changed."""
    forget_now_and_on_commit([_memberships_key(user_id) for user_id in user_ids])


def forget_unread_count(user_id: int) -> None:
    """This person's notifications were added, read or removed."""
    forget_now_and_on_commit([_unread_key(user_id)])


def notifications_for(user, company_id: int | None) -> QuerySet[Notification]:
    """The person's notifications while `company_id` is active: that company's and those about
    no company (staff notifications, rows from before notifications had a company). The bell's
    count and the list both read this, so they agree."""
    notifications = Notification.objects.filter(user=user)
    if company_id is not None:
        notifications = notifications.filter(Q(company_id=company_id) | Q(company__isnull=True))
    return notifications


def _cached_memberships_and_unread(user) -> tuple[list[Membership], dict]:
    """From the shared cache in one round trip; one query if the memberships are missing. The
    unread counts are kept per active company ({company id or None: count})."""
    keys = [_memberships_key(user.pk), _unread_key(user.pk)]
    found = cache.get_many(keys)
    memberships, unread = found.get(keys[0]), found.get(keys[1])
    if memberships is None:
        memberships = list(memberships_for(user))
        cache.set(keys[0], memberships, MEMBERSHIPS_TIMEOUT)
    return memberships, unread or {}


def _unread_count(user, company_id: int | None, counts: dict) -> int:
    if company_id not in counts:
        counts[company_id] = notifications_for(user, company_id).filter(read_at__isnull=True).count()
        cache.set(_unread_key(user.pk), counts, MEMBERSHIPS_TIMEOUT)
    return counts[company_id]


def resolve_active_membership(request) -> Membership | None:
    """The membership for the company chosen in this session, else the user's first one.

    All of the user's memberships (a person belongs to a handful of companies) with their
    companies, and the person's unread notification count for the active company, come from
    the cache, so the company switcher and the notification bell cost nothing more. They are
    kept on `request.memberships` and `request._unread_notification_count`.
    """
    user = request.user
    request.memberships = []
    if not user.is_authenticated:
        return None
    memberships, counts = _cached_memberships_and_unread(user)
    request.memberships = memberships
    if not memberships:
        return None
    company_id = request.session.get(ACTIVE_COMPANY_SESSION_KEY)
    membership = next((m for m in memberships if m.company_id == company_id), None)
    if membership is None:
        membership = memberships[0]
        request.session[ACTIVE_COMPANY_SESSION_KEY] = membership.company_id
    # The bell (ordering.templatetags.tracking_tags) reads this instead of counting again.
    request._unread_notification_count = _unread_count(user, membership.company_id, counts)
    return membership


def switch_company(request, company_id: int) -> Membership:
    """Make `company_id` the active company; 404 unless the user belongs to it."""
    membership = get_object_or_404(memberships_for(request.user), company_id=company_id)
    request.session[ACTIVE_COMPANY_SESSION_KEY] = membership.company_id
    request.membership = membership
    if hasattr(request, "_unread_notification_count"):
        del request._unread_notification_count  # the bell counts the new company's
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
