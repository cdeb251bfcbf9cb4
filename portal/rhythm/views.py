"""The customer's side of rhythm: "your usual order" into the cart in one click."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import member_required
from ordering import services
from ordering.saved_lists import Wanted, copy_into_cart
from portal.home import credit_picture

from .usual import may_see_usual_order, usual_order


@require_POST
@member_required
def add_usual_order(request):
    """Put the usual order, as the home page shows it now (offers and credit read again), into
    the person's cart through ordering's cart service; say what was left out and why."""
    membership = request.membership
    if not may_see_usual_order(membership):
        raise PermissionDenied
    company = membership.company
    usual = usual_order(company, credit=credit_picture(company)[0])
    if usual is None or not usual.lines:
        messages.error(request, _("Nothing of your usual order can be added to your cart now."))
    else:
        report = copy_into_cart(
            cart=services.cart_for(user=request.user, company=company),
            wanted=[Wanted(line.product.pk, line.product.sku, line.quantity) for line in usual.lines],
            currency=company.currency,
        )
        if report.added:
            messages.success(
                request,
                ngettext(
                    "Added %(count)s line of your usual order to your cart.",
                    "Added %(count)s lines of your usual order to your cart.",
                    len(report.added),
                )
                % {"count": len(report.added)},
            )
        for text in report.flagged + report.notes:
            messages.warning(request, text)
    for line in usual.left_out if usual else ():
        messages.warning(request, f"{line.sku} {line.name}: {line.reason}")
    return redirect("ordering:cart")
