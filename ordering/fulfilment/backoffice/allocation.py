"""Back-office screens for allocation after placement: the backorders list, and the quality
holds with their allocations waiting to be moved (put on hold, release, re-allocate).

Reading needs `catalog.view_lot` (VIEW_STOCK); the actions need `catalog.change_allocation`
(the warehouse). Customers' rows are narrowed through `accounts.selectors.companies_for_staff`,
so a sales rep sees only their customers' backorders and allocations. The actions take their
ids in the form, not the URL, and look them up in the same scoped querysets.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages

from accounts.selectors import companies_for_staff, sees_all_companies
from catalog.allocation import put_on_hold
from catalog.backoffice import VIEW_STOCK
from catalog.models import Allocation, Lot
from kit.backoffice import LongSelect, PermissionTemplateMixin
from ordering.models import OrderLine

from ..backorders import (
    FILLS_BACKORDERS,
    HOLDS_ALLOCATIONS,
    ReallocationError,
    reallocate_allocation,
    release_quality_hold,
)

MOVE_ALLOCATIONS = "catalog.change_allocation"
PER_PAGE = 50


def _scoped_lines(user):
    lines = OrderLine.objects.all()
    if not sees_all_companies(user):
        lines = lines.filter(order__company__in=companies_for_staff(user).values("pk"))
    return lines


# --- Backorders -------------------------------------------------------------------------------


class BackordersView(PermissionTemplateMixin, TemplateView):
    """What confirmed orders still wait for, oldest first: filled by the next receipt."""

    permission = VIEW_STOCK
    template_name = "fulfilment/admin/backorders.html"
    page_title = gettext_lazy("Backorders")
    header_icon = "time"

    def get_context_data(self, **kwargs):
        lines = (
            _scoped_lines(self.request.user)
            .filter(backorder_quantity__gt=0, order__state__in=FILLS_BACKORDERS)
            .select_related("order__company", "product")
            .order_by("order__placed_at", "order_id", "pk")
        )
        page = Paginator(lines, PER_PAGE).get_page(self.request.GET.get("p"))
        return super().get_context_data(page=page, lines=page.object_list, **kwargs)


# --- Quality holds ----------------------------------------------------------------------------


class PutOnHoldForm(forms.Form):
    lot = forms.ModelChoiceField(
        label=gettext_lazy("Lot"),
        queryset=Lot.objects.none(),
        widget=LongSelect,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = (
            Lot.objects.filter(held_at__isnull=True, on_hand__gt=0)
            .select_related("product")
            .order_by("product__sku", "expiry_date")
        )


class ReallocateForm(forms.Form):
    allocation = forms.IntegerField(widget=forms.HiddenInput)
    to_lot = forms.IntegerField(
        label=gettext_lazy("To lot"),
        required=False,
        help_text=gettext_lazy("Leave empty to take the lots that expire first."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


class QualityHoldsView(PermissionTemplateMixin, TemplateView):
    """Lots on hold, why and since when, and the allocations on them waiting to be moved.

    Five queries whatever the number of lots: the held lots, their open allocations, the order
    lines (scoped) those name, the lots they could move to, and the hold form's lots."""

    permission = VIEW_STOCK
    template_name = "fulfilment/admin/quality_holds.html"
    page_title = gettext_lazy("Quality holds")
    header_icon = "warning"

    def get_context_data(self, **kwargs):
        lots = list(Lot.objects.filter(held_at__isnull=False).select_related("product").order_by("held_at", "pk"))
        allocations = list(
            Allocation.objects.filter(lot__in=lots, released_at__isnull=True).order_by("created_at", "pk")
        )
        lines = _scoped_lines(self.request.user).filter(
            pk__in=[a.order_line_id for a in allocations], order__state__in=HOLDS_ALLOCATIONS
        )
        lines = {line.pk: line for line in lines.select_related("order__company")}
        waiting = {lot.pk: [] for lot in lots}
        for held in allocations:
            if held.order_line_id in lines:
                waiting[held.lot_id].append((held, lines[held.order_line_id]))
        can_move = self.request.user.has_perm(MOVE_ALLOCATIONS)
        # The lots an allocation may be moved to: the same product's, not held, with free stock
        # (catalog.allocation.reallocate checks the customer's shelf-life rule).
        others = {lot.product_id: [] for lot in lots}
        if can_move and lots:
            for other in Lot.objects.filter(
                product_id__in=others, held_at__isnull=True, on_hand__gt=F("allocated")
            ).order_by("expiry_date", "pk"):
                others[other.product_id].append(other)
        return super().get_context_data(
            rows=[(lot, waiting[lot.pk], others[lot.product_id]) for lot in lots],
            can_move=can_move,
            hold_form=PutOnHoldForm() if can_move else None,
            **kwargs,
        )


class _AllocationAction(PermissionTemplateMixin, View):
    permission = MOVE_ALLOCATIONS

    def get(self, request):
        # The actions are forms on the holds screen; a visit lands there.
        return self.done()

    def done(self):
        return redirect(reverse("fulfilment_allocation:quality_holds"))


class PutOnHoldView(_AllocationAction):
    def post(self, request):
        form = PutOnHoldForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a lot and give a reason for the hold."))
            return self.done()
        waiting = put_on_hold(lot_id=form.cleaned_data["lot"].pk, reason=form.cleaned_data["reason"].strip())
        messages.success(
            request,
            _("Lot %(lot)s is on hold; %(count)s allocations wait to be moved.")
            % {"lot": form.cleaned_data["lot"].number, "count": len(waiting)},
        )
        return self.done()


class ReleaseHoldView(_AllocationAction):
    def post(self, request):
        lot = Lot.objects.filter(pk=request.POST.get("lot") or 0, held_at__isnull=False).first()
        if lot is None:
            raise PermissionDenied
        filled = release_quality_hold(lot_id=lot.pk)
        messages.success(request, _("Lot %(lot)s may be sold again.") % {"lot": lot.number})
        if filled:
            messages.success(request, _("Backorders filled from this lot: %(count)s.") % {"count": filled})
        return self.done()


class ReallocateView(_AllocationAction):
    def post(self, request):
        form = ReallocateForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give a reason for the re-allocation."))
            return self.done()
        held = Allocation.objects.filter(pk=form.cleaned_data["allocation"], released_at__isnull=True).first()
        # Another rep's customer's allocation is as absent as one that does not exist.
        if held is None or not _scoped_lines(request.user).filter(pk=held.order_line_id).exists():
            raise PermissionDenied
        try:
            result = reallocate_allocation(
                allocation_id=held.pk,
                to_lot_id=form.cleaned_data["to_lot"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ReallocationError as error:
            messages.error(request, str(error))
            return self.done()
        if result.short:
            messages.warning(request, _("Re-allocated; %(short)s went back on backorder.") % {"short": result.short})
        else:
            messages.success(request, _("Re-allocated."))
        return self.done()


urlpatterns = [
    path("backorders/", BackordersView.as_view(), name="backorders"),
    path("holds/", QualityHoldsView.as_view(), name="quality_holds"),
    path("holds/hold/", PutOnHoldView.as_view(), name="put_on_hold"),
    path("holds/release/", ReleaseHoldView.as_view(), name="release_hold"),
    path("holds/reallocate/", ReallocateView.as_view(), name="reallocate"),
]
