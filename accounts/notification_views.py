"""The signed-in person's notifications: the list, opening one (which marks it read), marking
all read, and the settings of which kinds come by e-mail and in the portal. Beside their model
(accounts.models.Notification); the events that create them are ordering's and billing's."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .access import forget_unread_count, notifications_for, switch_company
from .models import Notification, NotificationKind, NotificationPreference

NOTIFICATIONS_PER_PAGE = 30


def _company_id(request) -> int | None:
    membership = getattr(request, "membership", None)
    return membership.company_id if membership else None


@login_required
def notification_list(request):
    """The active company's notifications and those about no company: what the bell counts."""
    notifications = notifications_for(request.user, _company_id(request))
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page, "notifications": page.object_list})


@login_required
def notification_open(request, notification_id: int):
    """Opening a notification marks it read and goes where it points."""
    notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
    if notification.company_id is not None and notification.company_id != _company_id(request):
        # Opened from an older page or an e-mail while another company was active: its order
        # would be 404 in that company, so switch to the notification's company and say so.
        membership = switch_company(request, notification.company_id)
        messages.info(request, _("You are now working for %(company)s.") % {"company": membership.company})
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
        forget_unread_count(request.user.pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("accounts:notifications")


@require_POST
@login_required
def notifications_mark_all_read(request):
    count = (
        notifications_for(request.user, _company_id(request))
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )
    forget_unread_count(request.user.pk)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("accounts:notifications")


class NotificationSettingsForm(forms.Form):
    """Two switches per kind of notification: e-mail, and in the portal."""

    def __init__(self, *args, preferences: dict[str, NotificationPreference], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for kind, label in NotificationKind.choices:
            preference = preferences.get(kind)
            email = forms.BooleanField(
                label=_("E-mail: %(kind)s") % {"kind": label},
                required=False,
                initial=preference.email if preference else True,
            )
            in_app = forms.BooleanField(
                label=_("In the portal: %(kind)s") % {"kind": label},
                required=False,
                initial=preference.in_app if preference else True,
            )
            for field in (email, in_app):
                field.widget.attrs["class"] = "form-check-input fs-4 m-0"
            self.fields[f"{kind}-email"] = email
            self.fields[f"{kind}-in_app"] = in_app
            self.rows.append((kind, label, self[f"{kind}-email"], self[f"{kind}-in_app"]))


def _save_preferences(user, cleaned_data: dict) -> None:
    """One upsert for every kind: a row per kind records the person's choice."""
    rows = [
        NotificationPreference(
            user=user, kind=kind, email=cleaned_data[f"{kind}-email"], in_app=cleaned_data[f"{kind}-in_app"]
        )
        for kind in NotificationKind.values
    ]
    NotificationPreference.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["user", "kind"], update_fields=["email", "in_app"]
    )


@login_required
def notification_settings(request):
    preferences = {p.kind: p for p in NotificationPreference.objects.filter(user=request.user)}
    form = NotificationSettingsForm(request.POST or None, preferences=preferences)
    if request.method == "POST" and form.is_valid():
        _save_preferences(request.user, form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("accounts:notification_settings")
    return render(request, "accounts/notifications_settings.html", {"form": form})
