"""Forms for companies and people, and the rendering every portal form shares.

The shared pieces live here, in the lowest app, because every other app depends on accounts.
"""

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from .models import Membership


class PortalFormRenderer(TemplatesSetting):
    """Each field renders with templates/includes/field.html (label, hint, error, value)."""

    field_template_name = "includes/field.html"


class BootstrapFormMixin:
    """Bootstrap classes on widgets, and aria-invalid on fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if getattr(widget, "input_type", None) == "checkbox":
                css = "form-check-input"
            elif getattr(widget, "input_type", None) == "select":
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"
                self.fields[name].widget.attrs["class"] += " is-invalid"


class InviteMemberForm(BootstrapFormMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.BUYER)
    spending_limit = forms.DecimalField(
        label=_("Spending limit per order"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Orders above this wait for the company's approver. Leave empty for no limit."),
    )


class MembershipForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "spending_limit"]
