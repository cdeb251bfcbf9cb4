from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from .models import Invitation
from .services import PENDING_INVITATION_SESSION_KEY, AccountsError, accept_invitation


@receiver(user_signed_up)
def join_invited_company(request, user, **kwargs):
    """Someone who signed up from an invitation link joins that company straight away."""
    token = request.session.pop(PENDING_INVITATION_SESSION_KEY, None) if request else None
    if not token:
        return
    invitation = Invitation.objects.filter(token=token).first()
    if invitation is None:
        return
    try:
        accept_invitation(invitation=invitation, user=user)
    except AccountsError:
        # Expired meanwhile, or signed up with another address: the account exists, the
        # membership does not; the portal's "no company" page explains what to do.
        pass
