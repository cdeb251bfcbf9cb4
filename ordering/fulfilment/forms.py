"""The customer's return request form: a quantity per delivered line (at most what can still be
returned), a reason from the list, the customer's words, an optional photo (checked by
`kit.uploads.validate_photo`: its content, not its name)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import BootstrapFormMixin
from kit.uploads import validate_photo

from .models import ReturnReason


def line_field_name(line) -> str:
    return f"line-{line.pk}"


class ReturnRequestForm(BootstrapFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=ReturnReason.choices, widget=forms.RadioSelect)
    reason_text = forms.CharField(
        label=_("Details"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the reason is “Other”."),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        validators=[validate_photo],
        help_text=_("Optional: a JPEG, PNG or WebP photo of up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            returnable = line.returnable
            self.fields[line_field_name(line)] = forms.IntegerField(
                label=_("Quantity to return"),
                min_value=0,
                max_value=returnable,
                required=False,
                disabled=returnable == 0,
                widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
            )

    def line_fields(self):
        """(shipment line, its bound quantity field) in the lines' order, for the template."""
        return [(line, self[line_field_name(line)]) for line in self.lines]

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data.get(line_field_name(line)) or 0 for line in self.lines}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == ReturnReason.OTHER and not (cleaned.get("reason_text") or "").strip():
            self.add_error("reason_text", _("Say what is wrong with the goods."))
        if not self.errors and not any(self.quantities().values()):
            raise forms.ValidationError(_("Say how much of which line you want to return."))
        return cleaned
