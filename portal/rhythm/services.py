"""Rhythm's writes: a note of a call, visit or message on a company, and a rep's message to the
company's buyers (an in-portal notification and e-mail, with the rep's words kept verbatim).

Verbs: add_note, send_message.
"""

from django.db import transaction
from django.urls import reverse

from accounts.models import Company, Membership, NotificationKind
from accounts.services import notify

from .models import VisitNote

# Who reads a rep's message: the people who order for the company.
MESSAGE_ROLES = (Membership.Role.ADMIN, Membership.Role.BUYER, Membership.Role.APPROVER)


def add_note(*, company: Company, author, kind: str, text: str = "") -> VisitNote:
    return VisitNote.objects.create(company=company, author=author, kind=kind, text=text.strip())


def message_recipients(company: Company) -> list:
    memberships = Membership.objects.filter(
        company=company, role__in=MESSAGE_ROLES, user__is_active=True
    ).select_related("user")
    return [membership.user for membership in memberships]


@transaction.atomic
def send_message(*, company: Company, author, text: str) -> VisitNote:
    """Tell the company's buyers and note that it was sent; nothing sent without the note."""
    text = text.strip()
    notify(
        users=message_recipients(company),
        kind=NotificationKind.REP_MESSAGE,
        params={"rep": author.get_full_name() or author.email, "company": company.display_name, "text": text},
        company=company,
        url=reverse("catalog:product_list"),
    )
    return add_note(company=company, author=author, kind=VisitNote.Kind.MESSAGE, text=text)
