"""The customer's fulfilment screens: downloading a shipment's delivery note; returns (ask to
return delivered goods, the company's returns, one return)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import get_for_member, member_required, scoped
from ordering.models import Order

from . import returns
from .documents import delivery_note_name, store_delivery_note
from .forms import ReturnRequestForm
from .models import ReturnRequest


def delivery_note_response(shipment) -> FileResponse:
    """The stored delivery note as a PDF download (rendered and stored first if missing)."""
    stored = store_delivery_note(shipment)
    return FileResponse(
        stored.open("rb"), content_type="application/pdf", as_attachment=True, filename=delivery_note_name(shipment)
    )


@member_required
def delivery_note(request, number):
    """A shipment of the active company's orders; another company's shipment is 404."""
    order = get_for_member(request, Order.objects.select_related("company", "placed_by"), shipments__number=number)
    shipment = order.shipments.get(number=number)
    shipment.order = order
    return delivery_note_response(shipment)


# --- Returns (helper "returns") ----------------------------------------------------------------


def _order_of_member(request, number: str) -> Order:
    return get_for_member(request, Order.objects.select_related("company"), number=number)


@member_required
def return_new(request, number):
    """Ask to return delivered goods of one of the active company's orders."""
    order = _order_of_member(request, number)
    lines = list(returns.returnable_lines(order))
    form = ReturnRequestForm(request.POST or None, request.FILES or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            return_request = returns.request_return(
                order=order,
                user=request.user,
                reason=form.cleaned_data["reason"],
                reason_text=form.cleaned_data["reason_text"],
                quantities=form.quantities(),
                photo=form.cleaned_data["photo"],
            )
        except returns.ReturnError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Return %(number)s is requested.") % {"number": return_request.number})
            return redirect("fulfilment:return_detail", return_request.number)
    context = {"order": order, "form": form, "lines": lines, "return_days": returns.return_days()}
    return render(request, "fulfilment/return_new.html", context)


@member_required
def return_list(request):
    """The active company's returns, the latest first."""
    page = Paginator(
        scoped(request, ReturnRequest.objects.select_related("order")).order_by("-requested_at", "-pk"), 25
    ).get_page(request.GET.get("page"))
    return render(request, "fulfilment/return_list.html", {"page": page, "return_requests": list(page.object_list)})


@member_required
def return_detail(request, number):
    queryset = ReturnRequest.objects.select_related("order").prefetch_related("lines__order_line", "lines__lot")
    return_request = get_for_member(request, queryset, number=number)
    return render(request, "fulfilment/return_detail.html", {"return_request": return_request})
