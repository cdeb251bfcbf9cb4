from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .access import resolve_active_membership
from .selectors import has_second_factor


class ActiveCompanyMiddleware:
    """`request.membership`: the user's membership in the active company, or None.

    One query for a signed-in user (membership with its company); none for visitors.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = resolve_active_membership(request)
        return self.get_response(request)


class StaffMFAMiddleware:
    """Staff reach the back office only with a second factor (TOTP) set up.

    allauth then asks for the code at every sign-in. Production always enforces this; the
    demo settings of `make run` may relax it (TRADECOUNTER_REQUIRE_STAFF_MFA).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.TRADECOUNTER_REQUIRE_STAFF_MFA
            and request.path.startswith(settings.TRADECOUNTER_BACK_OFFICE_PREFIX)
            and request.user.is_authenticated
            and (request.user.is_staff or request.user.has_perm("wagtailadmin.access_admin"))
            and not has_second_factor(request.user)
        ):
            messages.warning(request, _("Set up two-factor authentication to use the back office."))
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
