"""Background work for accounts (run by the task worker, see docs/architecture.md)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task


@task()
def send_invitation_email(*, invitation_id: int) -> None:
    from .models import Invitation

    invitation = Invitation.objects.select_related("company", "invited_by").get(pk=invitation_id)
    if not invitation.is_open:
        return
    link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("accounts:invitation", args=[invitation.token])
    with translation.override(invitation.language):
        context = {"invitation": invitation, "link": link}
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


@task()
def send_notification_email(*, email: str, subject: str, body: str, url: str = "") -> None:
    link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url if url else ""
    send_mail(subject, f"{body}\n\n{link}".strip() + "\n", settings.DEFAULT_FROM_EMAIL, [email])
