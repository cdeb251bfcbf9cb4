"""Forms for companies and people, and the rendering every portal form shares.

The shared pieces live here, in the lowest app, because every other app depends on accounts.
"""

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from kit.money import currency_symbol

from .models import Membership


class PortalFormRenderer(TemplatesSetting):
    """Each field renders with templates/includes/field.html (label, hint, error, value)."""

    field_template_name = "includes/field.html"


class DatePickerInput(forms.DateInput):
    """A date box that works without JavaScript (the browser's own date input, which sends ISO
    dates) and that static/js/portal.js turns into a calendar in the page's language
    (flatpickr, static/vendor/), since the browser's own calendar follows the browser's
    language, not the page's."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"data-datepicker": True, **(attrs or {})}, format="%Y-%m-%d")


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


class MemberFieldsMixin:
    """The role and spending limit of a company's member, as the invite and change forms ask for
    them: the limit in the company's currency, errors in our words rather than Django's."""

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        limit = self.fields["spending_limit"]
        limit.label = _("Spending limit per order (%(currency)s)") % {"currency": currency}
        limit.help_text = _(
            "In %(currency)s. Orders above this wait for the company's approver. Leave empty for no limit."
        ) % {"currency": currency}
        limit.widget.attrs["inputmode"] = "decimal"
        # Shown before the box (templates/includes/field.html), as the amount will be shown.
        limit.input_prefix = currency_symbol(currency)
        limit.error_messages.update(
            {
                "invalid": _("Enter the limit as an amount, like 5000 or 5000.00."),
                "min_value": _("Enter a limit of 0 or more, or leave it empty for no limit."),
                "max_digits": _("Enter a limit below 1,000,000,000,000."),
                "max_whole_digits": _("Enter a limit below 1,000,000,000,000."),
                "max_decimal_places": _("Enter the limit with at most 2 decimal places."),
            }
        )
        self.fields["role"].error_messages.update(
            {
                "required": _("Choose a role."),
                "invalid_choice": _("Choose one of the roles in the list."),
            }
        )


class InviteMemberForm(MemberFieldsMixin, BootstrapFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        error_messages={
            "required": _("Enter the e-mail address of the person to invite."),
            "invalid": _("Enter an e-mail address like name@example.com."),
        },
    )
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.BUYER)
    spending_limit = forms.DecimalField(
        label=_("Spending limit per order"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )


class MembershipForm(MemberFieldsMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "spending_limit"]
