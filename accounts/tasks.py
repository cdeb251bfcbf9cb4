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
def send_notification_email(*, user_id: int, kind: str, params: dict, company_id: int | None, url: str = "") -> None:
    """In the recipient's language, whoever set it off."""
    from .models import Notification, User

    user = User.objects.get(pk=user_id)
    notification = Notification(user=user, kind=kind, params=params, company_id=company_id, url=url)
    link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url if url else ""
    with translation.override(user.language):
        subject, body = notification.title, notification.body
    send_mail(subject, f"{body}\n\n{link}".strip() + "\n", settings.DEFAULT_FROM_EMAIL, [user.email])
