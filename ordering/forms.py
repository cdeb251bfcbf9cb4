"""Forms of the cart, quick order, saved lists and checkout.

None of them has a price field: prices come from catalog.pricing through ordering.services,
never from the request.
"""

import uuid
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.forms import BootstrapFormMixin, DatePickerInput
from accounts.models import Address, Company

from .models import SavedList
from .services import Checkout

QUANTITY_ERRORS = {
    "required": _("Enter a quantity."),
    "invalid": _("Enter the quantity as a whole number, like 12."),
}

# The largest id a 64-bit primary key holds.
MAX_ID = 2**63 - 1
# A requested delivery date may be at most this far ahead.
MAX_DELIVERY_DAYS_AHEAD = 365


class AddToCartForm(forms.Form):
    # Ids fit a 64-bit column: a larger number is a form error, not a database overflow.
    product_id = forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={"invalid": _("Choose a product."), "max_value": _("Choose a product.")},
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        error_messages={**QUANTITY_ERRORS, "min_value": _("Enter a quantity of at least 1.")},
    )


class CartLineForm(forms.Form):
    """A cart line's new quantity: the stepper's buttons post `set`, the input posts `quantity`."""

    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=0,
        error_messages={**QUANTITY_ERRORS, "min_value": _("Enter 0 to remove the line, or a quantity of at least 1.")},
    )

    def __init__(self, data=None, **kwargs):
        if data is not None and data.get("set"):
            data = data.copy()
            data["quantity"] = data["set"]
        super().__init__(data, **kwargs)


class QuickOrderUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Order file (CSV or Excel .xlsx)"),
        help_text=_("Columns sku and quantity, with a heading row. CSV in UTF-8 or GBK."),
        error_messages={"required": _("Choose the file of your order."), "empty": _("The file is empty.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class SavedListNameForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label=_("List name"),
        max_length=100,
        help_text=_("Everyone in your company can use it, for example “Monday restock”."),
        error_messages={"required": _("Give the list a name.")},
    )

    def __init__(self, *args, company: Company, instance: SavedList | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance = instance

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the list a name."))
        taken = SavedList.objects.filter(company=self.company, name__iexact=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("Your company already has a list called “%(name)s”; choose another name.") % {"name": name}
            )
        return name


class ShipToChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, address):
        return str(address)


class CheckoutForm(BootstrapFormMixin, forms.Form):
    po_number = forms.CharField(
        label=_("Your PO number"),
        max_length=50,
        required=False,
        help_text=_("Optional. We print it on the delivery note and the invoice."),
    )
    ship_to = ShipToChoiceField(
        label=_("Deliver to"),
        queryset=Address.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose where we deliver."),
            "invalid_choice": _("Choose one of your company's delivery addresses."),
        },
    )
    requested_delivery_date = forms.DateField(
        label=_("Requested delivery date"),
        required=False,
        widget=DatePickerInput(),
        help_text=_("Optional. We confirm the date when we confirm the order."),
        error_messages={"invalid": _("Enter the date as year-month-day, for example 2026-03-18.")},
    )
    notes = forms.CharField(
        label=_("Notes for us"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Delivery instructions, for example “back door, before 10:00”."),
    )
    # What the buyer was shown, and which checkout this is: placing refuses a different total,
    # and a second post with the same key returns the first order instead of placing another.
    expected_total = forms.DecimalField(max_digits=14, decimal_places=2, widget=forms.HiddenInput)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    HIDDEN_PROBLEM = _("This page was out of date. Check your order below and place it again.")

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ship_to"].queryset = company.addresses.filter(kind=Address.Kind.SHIPPING).order_by(
            "-is_default", "label", "pk"
        )
        self.fields["ship_to"].widget.attrs["class"] = "form-check-input"
        self.fields["requested_delivery_date"].widget.attrs["min"] = timezone.localdate().isoformat()
        latest = timezone.localdate() + timedelta(days=MAX_DELIVERY_DAYS_AHEAD)
        self.fields["requested_delivery_date"].widget.attrs["max"] = latest.isoformat()

    def clean_requested_delivery_date(self):
        day = self.cleaned_data["requested_delivery_date"]
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("The delivery date is in the past; choose today or a later day."))
        latest = timezone.localdate() + timedelta(days=MAX_DELIVERY_DAYS_AHEAD)
        if day is not None and day > latest:
            raise forms.ValidationError(
                _("We take orders for delivery up to a year ahead; choose a day until %(latest)s.")
                % {"latest": date_format(latest)}
            )
        return day

    def full_clean(self):
        super().full_clean()
        # The hidden fields come from our own page; if they are missing or mangled, say so at
        # the top instead of linking to a field the buyer cannot see.
        if any(name in self._errors for name in ("expected_total", "idempotency_key")):
            self._errors.pop("expected_total", None)
            self._errors.pop("idempotency_key", None)
            self.add_error(None, self.HIDDEN_PROBLEM)

    def checkout(self) -> Checkout:
        """What the buyer chose, for ordering.services.place_order (call once the form is valid)."""
        data = self.cleaned_data
        return Checkout(
            ship_to=data["ship_to"],
            po_number=data["po_number"].strip(),
            requested_delivery_date=data["requested_delivery_date"],
            notes=data["notes"].strip(),
        )

    @staticmethod
    def new_key() -> uuid.UUID:
        return uuid.uuid4()
