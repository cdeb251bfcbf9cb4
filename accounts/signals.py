from allauth.account.signals import user_signed_up
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .access import forget_memberships, forget_unread_count
from .backends import forget_user
from .models import Company, Invitation, Membership, Notification, User
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


# What accounts.access keeps in the cache for every page: memberships with their companies,
# and the unread notification count. Bulk updates send no signal; whoever writes these rows
# with QuerySet.update() calls the forget_* function itself.
@receiver(post_save, sender=Membership, dispatch_uid="accounts.forget_memberships.membership_save")
@receiver(post_delete, sender=Membership, dispatch_uid="accounts.forget_memberships.membership_delete")
def membership_changed(sender, instance, **kwargs):
    forget_memberships([instance.user_id])


@receiver(post_save, sender=Company, dispatch_uid="accounts.forget_memberships.company_save")
@receiver(post_delete, sender=Company, dispatch_uid="accounts.forget_memberships.company_delete")
def company_changed(sender, instance, **kwargs):
    forget_memberships(Membership.objects.filter(company_id=instance.pk).values_list("user_id", flat=True))


@receiver(post_save, sender=Notification, dispatch_uid="accounts.forget_unread_count.save")
@receiver(post_delete, sender=Notification, dispatch_uid="accounts.forget_unread_count.delete")
def notification_changed(sender, instance, **kwargs):
    forget_unread_count(instance.user_id)


@receiver(post_save, sender=User, dispatch_uid="accounts.forget_user.save")
@receiver(post_delete, sender=User, dispatch_uid="accounts.forget_user.delete")
def user_changed(sender, instance, **kwargs):
    forget_user(instance.pk)
