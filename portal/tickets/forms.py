"""The customer's ticket forms: open a ticket (kind, what it is about among the company's own
things, subject, what happened, photos), reply, rate; and staff's reply, assign, resolve, reopen.
Photos are checked by kit.uploads (content, size, name) through `services.check_photos`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import BootstrapFormMixin

from . import services
from .models import TicketKind


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once (each checked in `clean`, all refused if one is bad)."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = "image/jpeg,image/png,image/webp"

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data if isinstance(data, list | tuple) else [data]) if upload]
        try:
            services.check_photos(uploads)
        except services.TicketError as error:
            raise forms.ValidationError(str(error)) from error
        return uploads


PHOTOS_HELP = _("Optional: up to 5 JPEG, PNG or WebP photos of up to 5 MB each.")
CUSTOMER_KINDS = [(kind, label) for kind, label in TicketKind.choices if kind != TicketKind.STATEMENT_DISPUTE]


class TicketForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of problem"), choices=[("", "—"), *CUSTOMER_KINDS])
    about = forms.ChoiceField(label=_("What it is about"))
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(
        label=_("What happened"), max_length=services.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = PhotosField(label=_("Photos"), help_text=PHOTOS_HELP)

    def __init__(self, *args, about_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["about"].choices = [("", "—"), *about_choices]


class ReplyForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Your message"), max_length=services.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("Photos"), help_text=PHOTOS_HELP)


class RatingForm(BootstrapFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How well was it resolved?"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        help_text=_("5 is best."),
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Big tap targets: each choice is a toggle button (Bootstrap's btn-check), not a dot.
        self.fields["rating"].widget.attrs["class"] = "btn-check"


# --- Staff -------------------------------------------------------------------------------------------


class StaffReplyForm(forms.Form):
    text = forms.CharField(label=_("Reply"), max_length=services.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    internal = forms.BooleanField(label=_("Internal note (the customer does not see it)"), required=False)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)

    def __init__(self, *args, handlers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.handlers = {str(user.pk): user for user in handlers}
        self.fields["assignee"].choices = [("", _("Nobody")), *((pk, str(user)) for pk, user in self.handlers.items())]

    def chosen_assignee(self):
        return self.handlers.get(self.cleaned_data["assignee"])


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done; the customer reads it and rates it."),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is reopened"), max_length=services.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
