"""The company's saved order lists and re-ordering a past order."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import get_for_member, member_required, scoped

from .. import saved_lists
from ..forms import SavedListNameForm
from ..models import Order, SavedList
from .cart import _cart_context
from .common import _cart

# --- Saved lists ------------------------------------------------------------------------------


def _saved_lists(request):
    return scoped(request, SavedList.objects.all())


@member_required
def saved_list_index(request):
    lists = _saved_lists(request).select_related("created_by").annotate(line_count=Count("lines")).order_by("name")
    return render(request, "ordering/saved_list_index.html", {"saved_lists": lists})


@require_POST
@member_required
def saved_list_create(request):
    """Save the cart as a list every user of the company can use."""
    company = request.membership.company
    cart = _cart(request)
    form = SavedListNameForm(request.POST, company=company)
    if form.is_valid():
        try:
            saved = saved_lists.save_cart_as_list(cart=cart, user=request.user, name=form.cleaned_data["name"])
        except saved_lists.SavedListError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("Saved your cart as “%(name)s”.") % {"name": saved.name})
            return redirect("ordering:saved_list", list_id=saved.pk)
    return render(request, "ordering/cart.html", _cart_context(request, cart, save_form=form))


def _saved_list_context(request, saved_list, rename_form=None):
    lines = list(saved_list.lines.select_related("product").order_by("product__sku"))
    return {
        "saved_list": saved_list,
        "lines": lines,
        "rename_form": rename_form
        or SavedListNameForm(
            company=request.membership.company, instance=saved_list, initial={"name": saved_list.name}
        ),
    }


@member_required
def saved_list_detail(request, list_id: int):
    saved_list = get_for_member(request, SavedList.objects.select_related("created_by"), pk=list_id)
    return render(request, "ordering/saved_list_detail.html", _saved_list_context(request, saved_list))


@require_POST
@member_required
def saved_list_add_to_cart(request, list_id: int):
    saved_list = get_for_member(request, SavedList, pk=list_id)
    report = saved_lists.copy_into_cart(
        cart=_cart(request),
        wanted=saved_lists.saved_list_wanted(saved_list),
        currency=request.membership.company.currency,
    )
    _report_copy(request, report, source=saved_list.name)
    return redirect("ordering:cart")


@require_POST
@member_required
def saved_list_rename(request, list_id: int):
    saved_list = get_for_member(request, SavedList, pk=list_id)
    form = SavedListNameForm(request.POST, company=request.membership.company, instance=saved_list)
    if form.is_valid():
        try:
            saved_lists.rename_saved_list(saved_list=saved_list, name=form.cleaned_data["name"])
        except saved_lists.SavedListError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("Renamed the list to “%(name)s”.") % {"name": saved_list.name})
            return redirect("ordering:saved_list", list_id=saved_list.pk)
    saved_list.refresh_from_db()
    context = _saved_list_context(request, saved_list, rename_form=form)
    return render(request, "ordering/saved_list_detail.html", context)


@require_POST
@member_required
def saved_list_delete(request, list_id: int):
    saved_list = get_for_member(request, SavedList, pk=list_id)
    name = saved_list.name
    saved_lists.delete_saved_list(saved_list=saved_list)
    messages.success(request, _("Deleted the list “%(name)s”.") % {"name": name})
    return redirect("ordering:saved_lists")


def _report_copy(request, report: saved_lists.CopyReport, *, source: str) -> None:
    if report.added:
        messages.success(
            request,
            ngettext(
                "Added %(count)s line from %(source)s to your cart at today's prices.",
                "Added %(count)s lines from %(source)s to your cart at today's prices.",
                len(report.added),
            )
            % {"count": len(report.added), "source": source},
        )
    else:
        messages.error(request, _("Nothing from %(source)s could be added to your cart.") % {"source": source})
    for text in report.flagged:
        messages.warning(request, text)
    for text in report.notes:
        messages.info(request, text)


@require_POST
@member_required
def reorder(request, number: str):
    """Copy a past order's lines into the cart at the buyer's prices today, flagging each line
    that cannot be ordered again and why."""
    order = get_for_member(request, Order, number=number)
    report = saved_lists.copy_into_cart(
        cart=_cart(request), wanted=saved_lists.wanted_from_order(order), currency=order.currency
    )
    _report_copy(request, report, source=order.number)
    return redirect("ordering:cart")
