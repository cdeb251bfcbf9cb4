"""The pick list screen, made for a phone: one card per pick in walking order (zone, location,
SKU, name, lot, expiry, quantity), confirmed by scanning or typing the lot (a scanner types the
code and Enter, which submits the card's form), with the quantity taken (less is a short pick)
and, when weighed, the weight. Three queries for the list whatever its length."""

from decimal import Decimal

from django import forms
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages

from ..models import PickLine, PickList
from ..picking import PickingError, confirm_pick, start_picking
from .common import CONFIRM_PICKS, FulfilmentViewMixin


class ConfirmPickForm(forms.Form):
    lot_number = forms.CharField(label=gettext_lazy("Lot"), max_length=60, required=False)
    quantity = forms.IntegerField(label=gettext_lazy("Picked"), min_value=0)
    weight_kg = forms.DecimalField(
        label=gettext_lazy("Weight (kg)"), required=False, min_value=Decimal("0.001"), max_digits=10, decimal_places=3
    )

    def __init__(self, *args, line: PickLine, **kwargs):
        super().__init__(*args, prefix=f"pick-{line.pk}", initial={"quantity": line.quantity}, **kwargs)
        self.fields["quantity"].max_value = line.quantity
        self.fields["quantity"].widget.attrs.update(min=0, max=line.quantity, inputmode="numeric")
        self.fields["lot_number"].widget.attrs.update(
            autocomplete="off", autocapitalize="characters", spellcheck="false", enterkeyhint="done"
        )
        self.fields["weight_kg"].widget.attrs.update(inputmode="decimal", step="0.001")


def _lines(pick_list: PickList) -> list[PickLine]:
    return list(
        pick_list.lines.select_related("lot", "location", "order_line__order__company", "picked_by").order_by(
            "sequence"
        )
    )


class PickListView(FulfilmentViewMixin, TemplateView):
    template_name = "fulfilment/admin/pick_list.html"
    page_title = gettext_lazy("Pick list")

    def get_page_subtitle(self):
        return self.pick_list.number

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("fulfilment_admin:queue"), "label": _("Warehouse queue")},
            {"url": "", "label": self.pick_list.number},
        ]

    @cached_property
    def pick_list(self) -> PickList:
        # Looked up after the permission check (PermissionTemplateMixin.dispatch).
        return get_object_or_404(PickList.objects.select_related("warehouse"), pk=self.kwargs["pk"])

    def get_context_data(self, posted: tuple[PickLine, ConfirmPickForm, str] | None = None, **kwargs):
        """`posted`: the pick, its bound form and the refusal of a confirmation that failed."""
        context = super().get_context_data(**kwargs)
        lines = _lines(self.pick_list)
        current = next((line for line in lines if not line.confirmed), None)
        if posted is not None:
            current = next((line for line in lines if line.pk == posted[0].pk), current)
        cards = []
        for line in lines:
            form, error = None, ""
            if not line.confirmed:
                form = ConfirmPickForm(line=line)
                if posted is not None and posted[0].pk == line.pk:
                    form, error = posted[1], posted[2]
            if form is not None and line is current:
                form.fields["lot_number"].widget.attrs["autofocus"] = True
            cards.append({"line": line, "form": form, "error": error, "current": line is current})
        context.update(
            pick_list=self.pick_list,
            cards=cards,
            picked_count=sum(1 for line in lines if line.confirmed),
            can_confirm=self.request.user.has_perm(CONFIRM_PICKS),
        )
        return context


class StartPickingView(PickListView):
    permission = CONFIRM_PICKS
    http_method_names = ["post"]

    def post(self, request, pk):
        start_picking(pick_list=self.pick_list, user=request.user)
        return redirect(reverse("fulfilment_admin:pick_list", args=[pk]))


class ConfirmPickView(PickListView):
    """One card's confirmation; a refusal shows the list again with the card's error."""

    permission = CONFIRM_PICKS
    http_method_names = ["post"]

    def post(self, request, pk, line_pk):
        line = get_object_or_404(PickLine.objects.select_related("lot"), pk=line_pk, pick_list=self.pick_list)
        form = ConfirmPickForm(request.POST, line=line)
        if form.is_valid():
            data = form.cleaned_data
            try:
                confirmed = confirm_pick(
                    pick_line=line,
                    lot_number=data["lot_number"],
                    quantity=data["quantity"],
                    weight_kg=data["weight_kg"],
                    user=request.user,
                )
            except PickingError as error:
                # The lot field comes back empty, so the next scan is not appended to the refused one.
                data = request.POST.copy()
                data[form.add_prefix("lot_number")] = ""
                form = ConfirmPickForm(data, line=line)
                return self.render_to_response(self.get_context_data(posted=(line, form, str(error))), status=400)
            done = {"quantity": data["quantity"], "sku": line.order_line.sku, "lot": line.lot.number}
            messages.success(request, _("Picked %(quantity)s × %(sku)s, lot %(lot)s.") % done)
            if confirmed.weight_flagged:
                messages.warning(request, _("The weight of %(sku)s is outside its tolerance: it is flagged.") % done)
            return redirect(reverse("fulfilment_admin:pick_list", args=[pk]))
        error = " ".join(str(message) for errors in form.errors.values() for message in errors)
        return self.render_to_response(self.get_context_data(posted=(line, form, error)), status=400)
