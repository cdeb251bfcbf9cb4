from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from .services import PENDING_INVITATION_SESSION_KEY


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Customers join by invitation only: a company admin or the distributor invites them."""
        return bool(request.session.get(PENDING_INVITATION_SESSION_KEY))

    def get_login_redirect_url(self, request):
        if request.user.is_staff and not request.user.memberships.exists():
            return reverse("wagtailadmin_home")
        return super().get_login_redirect_url(request)
