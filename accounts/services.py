"""Writes for companies and their people.

Verbs: invite_member, accept_invitation, revoke_invitation, change_membership, remove_member.
Each runs in one transaction, raises `AccountsError` with a message for the user when the
request breaks a rule, and queues e-mail only after commit.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Company, Invitation, Membership, User
from .tasks import send_invitation_email

# Set when someone opens an invitation link without an account; sign-up is open only then.
PENDING_INVITATION_SESSION_KEY = "tradecounter_pending_invitation"


class AccountsError(Exception):
    """A rule was broken; the message is for the user."""


def invite_member(
    *,
    company: Company,
    email: str,
    role: str,
    spending_limit: Decimal | None,
    invited_by: User,
    language: str = "en",
) -> Invitation:
    email = email.strip().lower()
    with transaction.atomic():
        if Membership.objects.filter(company=company, user__email__iexact=email).exists():
            raise AccountsError(
                _("%(email)s is already a member of %(company)s.") % {"email": email, "company": company}
            )
        # A fresh invitation replaces an earlier open one, so a lost e-mail can be re-sent.
        Invitation.objects.filter(
            company=company, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            company=company,
            email=email,
            role=role,
            spending_limit=spending_limit,
            invited_by=invited_by,
            language=language,
        )
        transaction.on_commit(lambda: send_invitation_email.enqueue(invitation_id=invitation.pk))
    return invitation


def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_open:
            raise AccountsError(_("This invitation has expired or was withdrawn. Ask for a new one."))
        if user.email.lower() != invitation.email.lower():
            raise AccountsError(_("This invitation is for %(email)s.") % {"email": invitation.email})
        membership, created = Membership.objects.get_or_create(
            user=user,
            company=invitation.company,
            defaults={"role": invitation.role, "spending_limit": invitation.spending_limit},
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return membership


def revoke_invitation(*, invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(revoked_at=timezone.now())


def _lock_company_memberships(company: Company) -> list[Membership]:
    # Two admins demoting each other at once must not leave the company without an admin:
    # lock all of its memberships, in primary-key order, before counting admins.
    return list(Membership.objects.select_for_update().filter(company=company).order_by("pk"))


def _would_leave_no_admin(memberships: list[Membership], changed: Membership) -> bool:
    return not any(m.role == Membership.Role.ADMIN for m in memberships if m.pk != changed.pk)


def change_membership(*, membership: Membership, role: str, spending_limit: Decimal | None) -> Membership:
    with transaction.atomic():
        memberships = _lock_company_memberships(membership.company)
        if role != Membership.Role.ADMIN and _would_leave_no_admin(memberships, membership):
            raise AccountsError(
                _("%(company)s needs at least one company admin; make someone else admin first.")
                % {"company": membership.company}
            )
        membership.role = role
        membership.spending_limit = spending_limit
        membership.save(update_fields=["role", "spending_limit"])
    return membership


def remove_member(*, membership: Membership) -> None:
    with transaction.atomic():
        memberships = _lock_company_memberships(membership.company)
        if _would_leave_no_admin(memberships, membership):
            raise AccountsError(
                _("%(user)s is the last company admin of %(company)s and cannot be removed.")
                % {"user": membership.user, "company": membership.company}
            )
        membership.delete()


def notify(*, users, kind: str, params: dict, company: Company | None = None, url: str = "") -> list:
    """Tell each person in the ways they chose: an in-app notification and/or an e-mail after commit.

    `params` are the kit.phrases parameters of the kind's title and body codes: each reader sees
    them in their own language (the e-mail in the recipient's). `company` is the customer company
    it is about (its members see it while that company is active); None for staff, who read
    the staff wording.

    The channel layer is here so that WeCom, DingTalk or SMS can be added beside e-mail later.
    """
    from .models import Notification, NotificationPreference
    from .tasks import send_notification_email

    users = list({user.pk: user for user in users if user is not None}.values())
    preferences = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=users, kind=kind)}
    company_id = company.pk if company is not None else None
    created = []
    for user in users:
        preference = preferences.get(user.pk)
        if preference is None or preference.in_app:
            created.append(
                Notification.objects.create(user=user, company_id=company_id, kind=kind, params=params, url=url)
            )
        if preference is None or preference.email:
            transaction.on_commit(
                lambda user=user: send_notification_email.enqueue(
                    user_id=user.pk, kind=kind, params=params, company_id=company_id, url=url
                )
            )
    return created
