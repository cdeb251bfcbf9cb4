"""Stock screens that move stock: receive (several lines at once), adjust and write off. They
write only through catalog.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.forms.formsets import BaseFormSetMixin
from wagtail.admin.widgets import AdminDateInput

from kit.backoffice import (
    form_error_summary,
)

from ..import_admin import can_import
from ..imports import RECEIPTS
from ..models import (
    Lot,
    Product,
    StockMove,
)
from ..services import Receipt, StockError, adjust_stock, receive_stock, write_off_stock
from .common import MOVE_STOCK, LocationField, StockViewMixin, locations_by_id, product_stock_url

# --- Receive stock --------------------------------------------------------------------------


class ReceiptHeaderForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("The supplier's delivery note or our purchase order number."),
    )


class ReceiptLineForm(forms.Form):
    sku = forms.CharField(label=_("Product SKU"), max_length=40)
    lot_number = forms.CharField(label=_("Lot number"), max_length=60)
    production_date = forms.DateField(label=_("Production date"), required=False, widget=AdminDateInput)
    expiry_date = forms.DateField(label=_("Expiry date"), widget=AdminDateInput)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    location = LocationField()

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].bind_locations(locations)
        self.product = None

    def clean(self):
        cleaned_data = super().clean()
        produced, expires = cleaned_data.get("production_date"), cleaned_data.get("expiry_date")
        today = timezone.localdate()
        if produced and produced > today:
            self.add_error("production_date", _("The production date is in the future."))
        if produced and expires and expires <= produced:
            self.add_error("expiry_date", _("The expiry date must be after the production date."))
        elif expires and expires < today:
            self.add_error("expiry_date", _("This lot has already expired; do not book it into stock."))
        return cleaned_data


class BaseReceiptLineFormSet(BaseFormSetMixin, forms.BaseFormSet):
    """The lines of one receipt; blank lines are ignored."""

    def __init__(self, *args, **kwargs):
        self.locations = locations_by_id()
        kwargs.setdefault("form_kwargs", {})["locations"] = self.locations
        super().__init__(*args, **kwargs)

    def initial_form_count(self):
        # A line prefilled with a SKU (from a product's stock page) is still an extra line: it
        # may be left blank like the others.
        return super().initial_form_count() if self.is_bound else 0

    def clean(self):
        super().clean()
        lines = [form for form in self.forms if form.has_changed()]
        if not lines:
            raise ValidationError(_("Enter at least one line."))
        # One query for every SKU of the receipt.
        skus = {form.cleaned_data["sku"] for form in lines if form.cleaned_data.get("sku")}
        products = {product.sku: product for product in Product.objects.filter(sku__in=skus)}
        for form in lines:
            sku = form.cleaned_data.get("sku")
            if not sku:
                continue
            form.product = products.get(sku)
            if form.product is None:
                form.add_error("sku", _("No product has the SKU %(sku)s.") % {"sku": sku})

    def receipt_lines(self) -> list[tuple[int, Receipt]]:
        """(line number as shown, receipt) for every filled-in line."""
        return [
            (
                number,
                Receipt(
                    product=form.product,
                    lot_number=form.cleaned_data["lot_number"],
                    expiry_date=form.cleaned_data["expiry_date"],
                    production_date=form.cleaned_data["production_date"],
                    quantity=form.cleaned_data["quantity"],
                    location=form.cleaned_data["location"],
                ),
            )
            for number, form in enumerate(self.forms, start=1)
            if form.has_changed()
        ]


ReceiptLineFormSet = forms.formset_factory(ReceiptLineForm, formset=BaseReceiptLineFormSet, extra=3)


class _Rollback(Exception):
    pass


def _first_failing_line(lines: list[tuple[int, Receipt]], *, user, reference: str) -> tuple[int, str] | None:
    """Which line made `receive_stock` refuse the receipt, and why.

    The service answers for the receipt as a whole. To name the line, the lines are booked
    again one by one, in order (a line may fail only because of an earlier one, such as the
    same lot with another expiry date), inside a transaction that is always rolled back.
    """
    failing = None
    try:
        with transaction.atomic():
            for number, receipt in lines:
                try:
                    receive_stock(receipts=[receipt], user=user, reference=reference)
                except StockError as error:
                    failing = (number, str(error))
                    break
            raise _Rollback
    except _Rollback:
        pass
    return failing


class ReceiveStockView(StockViewMixin, TemplateView):
    """Goods in: several lines, booked all together or not at all."""

    permission = MOVE_STOCK
    page_title = _("Receive stock")
    template_name = "catalog/admin/stock_receipt.html"
    prefix = "lines"

    def get(self, request, *args, **kwargs):
        initial = [{"sku": request.GET["sku"]}] if request.GET.get("sku") else None
        lines = ReceiptLineFormSet(prefix=self.prefix, initial=initial)
        return self.render_to_response(self.get_context_data(header=ReceiptHeaderForm(), lines=lines))

    def post(self, request, *args, **kwargs):
        header = ReceiptHeaderForm(request.POST)
        lines = ReceiptLineFormSet(request.POST, prefix=self.prefix)
        if not (header.is_valid() and lines.is_valid()):
            return self.render_to_response(self.get_context_data(header=header, lines=lines))

        receipt_lines = lines.receipt_lines()
        reference = header.cleaned_data["reference"]
        try:
            moves = receive_stock(
                receipts=[receipt for _number, receipt in receipt_lines], user=request.user, reference=reference
            )
        except StockError as error:
            failing = _first_failing_line(receipt_lines, user=request.user, reference=reference)
            if failing is None:
                lines.non_form_errors().append(_("Nothing was received: %(error)s") % {"error": error})
            else:
                number, message = failing
                lines.non_form_errors().append(_("Nothing was received."))
                lines.forms[number - 1].add_error(None, message)
            return self.render_to_response(self.get_context_data(header=header, lines=lines))

        messages.success(
            request,
            ngettext(
                "Received %(count)s line into stock.",
                "Received %(count)s lines into stock.",
                len(moves),
            )
            % {"count": len(moves)},
            buttons=[
                messages.button(product_stock_url(product_id), sku)
                for product_id, sku in dict.fromkeys((move.lot.product_id, move.lot.product.sku) for move in moves)
            ],
        )
        return redirect(reverse("catalog_stock:receive"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lines = context["lines"]
        context["media"] = lines.media + context["header"].media
        header = context["header"]
        summary = form_error_summary(header) if header.is_bound else []
        if lines.is_bound:
            summary += [("", str(error)) for error in lines.non_form_errors()]
            for number, form in enumerate(lines.forms, start=1):
                summary += form_error_summary(form, line=number)
        context["error_summary"] = summary
        if can_import(self.request.user, RECEIPTS):
            context["upload_url"] = reverse("catalog_import:upload", args=[RECEIPTS.slug])
        context["submit_button_label"] = _("Receive")
        context["submit_button_active_label"] = _("Receiving…")
        context["action_url"] = reverse("catalog_stock:receive")
        return context


# --- Adjust and write off ---------------------------------------------------------------------


def _reason_field(message):
    return forms.CharField(
        label=_("Reason"),
        max_length=200,
        error_messages={"required": message},
        help_text=_("Kept in the stock ledger."),
    )


class LotAtLocationForm(forms.Form):
    """One lot (by SKU and lot number, as printed on the carton) at one location."""

    sku = forms.CharField(label=_("Product SKU"), max_length=40)
    lot_number = forms.CharField(label=_("Lot number"), max_length=60)
    location = LocationField()

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].bind_locations(locations)
        self.lot = None

    def clean(self):
        cleaned_data = super().clean()
        sku, number = cleaned_data.get("sku"), cleaned_data.get("lot_number")
        if sku and number:
            self.lot = Lot.objects.select_related("product").filter(product__sku=sku, number=number).first()
            if self.lot is None:
                self.add_error("lot_number", _("%(sku)s has no lot %(lot)s.") % {"sku": sku, "lot": number})
        return cleaned_data


class AdjustStockForm(LotAtLocationForm):
    quantity = forms.IntegerField(
        label=_("Change in quantity"),
        help_text=_("Positive when more was counted than the books show, negative when less."),
    )
    reason = _reason_field(_("Give a reason for the adjustment."))

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity == 0:
            raise ValidationError(_("Enter the difference found: more or less than zero."))
        return quantity


class WriteOffStockForm(LotAtLocationForm):
    quantity = forms.IntegerField(label=_("Quantity to write off"), min_value=1)
    reason = _reason_field(_("Give a reason for the write-off."))


class StockMoveFormView(StockViewMixin, FormView):
    """One stock movement with a reason, for one lot at one location."""

    permission = MOVE_STOCK
    template_name = "catalog/admin/stock_move_form.html"
    url_name = ""
    intro = ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["locations"] = locations_by_id()
        return kwargs

    def get_initial(self):
        # Links from a product's stock page name the lot and the location.
        initial = {}
        lot_id, location_id = self.request.GET.get("lot"), self.request.GET.get("location")
        if lot_id and lot_id.isdigit():
            lot = Lot.objects.select_related("product").filter(pk=lot_id).first()
            if lot:
                initial.update(sku=lot.product.sku, lot_number=lot.number)
        if location_id and location_id.isdigit():
            initial["location"] = int(location_id)
        return initial

    service = None  # catalog.services.adjust_stock or write_off_stock

    def move(self, form) -> StockMove:
        return self.service(
            lot=form.lot,
            location=form.cleaned_data["location"],
            quantity=form.cleaned_data["quantity"],
            reason=form.cleaned_data["reason"],
            user=self.request.user,
        )

    def success_message(self, move: StockMove) -> str:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            move = self.move(form)
        except StockError as error:
            form.add_error("quantity", str(error))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(move))
        return redirect(product_stock_url(form.lot.product_id))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["media"] = context["form"].media
        context["error_summary"] = form_error_summary(context["form"]) if context["form"].is_bound else []
        context["action_url"] = reverse(self.url_name)
        context["intro"] = self.intro
        context["submit_button_label"] = self.submit_button_label
        return context


class AdjustStockView(StockMoveFormView):
    page_title = _("Adjust stock")
    url_name = "catalog_stock:adjust"
    form_class = AdjustStockForm
    submit_button_label = _("Adjust")
    intro = _("Correct the books after a count. Damaged or expired goods are written off instead.")

    service = staticmethod(adjust_stock)

    def success_message(self, move):
        return _("Adjusted lot %(lot)s at %(location)s by %(quantity)+d.") % {
            "lot": move.lot.number,
            "location": move.location,
            "quantity": move.quantity,
        }


class WriteOffStockView(StockMoveFormView):
    page_title = _("Write off stock")
    url_name = "catalog_stock:write_off"
    form_class = WriteOffStockForm
    submit_button_label = _("Write off")
    intro = _("Take damaged or expired goods out of stock. Allocated stock must be released from its orders first.")

    service = staticmethod(write_off_stock)

    def success_message(self, move):
        return _("Wrote off %(quantity)s of lot %(lot)s at %(location)s.") % {
            "lot": move.lot.number,
            "location": move.location,
            "quantity": -move.quantity,
        }
