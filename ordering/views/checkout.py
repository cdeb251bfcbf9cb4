"""Checkout: the quote, what happens next (ordering.services.routing), placing the order."""

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from accounts.access import member_required
from accounts.models import Membership
from kit import phrases
from kit.money import format_money

from .. import services
from ..approval import reason_for
from ..forms import CheckoutForm
from ..models import Order
from ..services import OrderingError, PriceChanged, Quote, routing
from .cart import _zone_groups
from .common import _cart

# --- Checkout ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    text: str
    kind: str = "info"  # info / hold: how the step is shown


def _what_happens_next(request, quote: Quote) -> list[NextStep]:
    """What placing this order sets off, in the words and order the buyer will live it: the
    stops ordering.services.routing would send it through (it decides; this only words them)."""
    membership = request.membership
    route = routing.preview(membership=membership, quote=quote)
    steps = []
    if route.customer_approval:
        steps.append(_customer_approval_step(request, quote))
    steps += [NextStep(str(HOLD_WORDS[hold]), "hold") for hold in route.holds]
    if route.rules:
        steps.append(
            NextStep(
                _("Our team checks it first (%(reasons)s).")
                % {
                    "reasons": "; ".join(
                        phrases.render(reason_for(rule, currency=quote.currency)) for rule in route.rules
                    )
                },
                "hold",
            )
        )
    steps.append(NextStep(_("We confirm the order → we pick it → we deliver it → the invoice follows.")))
    return steps


HOLD_WORDS = {
    routing.Hold.PREPAID: gettext_lazy("Your account is prepaid: finance confirms the order once it is paid."),
    routing.Hold.OVER_CREDIT: gettext_lazy(
        "This order is more than your available credit, so it goes on credit hold for our "
        "finance team to review. It is not refused: we tell you as soon as it is released."
    ),
    routing.Hold.OVERDUE: gettext_lazy(
        "An invoice is overdue beyond your grace days, so the order goes on credit hold for our "
        "finance team. It is not refused; paying the overdue invoice releases it sooner."
    ),
}


def _customer_approval_step(request, quote: Quote) -> NextStep:
    membership = request.membership
    approvers = [
        str(m.user)
        for m in Membership.objects.filter(
            company=membership.company, role__in=[Membership.Role.APPROVER, Membership.Role.ADMIN]
        )
        .exclude(user=request.user)
        .select_related("user")
    ]
    return NextStep(
        _("The total is above your spending limit of %(limit)s, so your approver (%(approvers)s) approves it first.")
        % {
            "limit": format_money(membership.spending_limit, quote.currency),
            "approvers": ", ".join(approvers) or _("your company admin"),
        },
        "hold",
    )


def _checkout_context(request, quote: Quote, form: CheckoutForm, idempotency_key) -> dict:
    return {
        "quote": quote,
        "form": form,
        # The hidden fields carry the total of the quote on this page and the key of this checkout.
        "expected_total": quote.total,
        "idempotency_key": idempotency_key,
        "groups": _zone_groups(quote),
        "next_steps": _what_happens_next(request, quote),
        "has_addresses": bool(form.fields["ship_to"].queryset),
        "cart_line_count": len(quote.lines),
    }


def _order_url(order: Order) -> str:
    return reverse("ordering:order_detail", args=[order.number])


@member_required
def checkout(request):
    """Review and place. The page carries the total the buyer saw and a key made when it was
    shown: place_order refuses another total (PriceChanged: shown again with the new figures) and
    answers a second post of the same key with the order the first one placed."""
    company = request.membership.company
    cart = _cart(request)
    if request.method != "POST":
        quote = services.quote_cart(cart=cart)
        if not quote.lines:
            messages.info(request, _("Your cart is empty: add products from the catalog or the quick order first."))
            return redirect("ordering:cart")
        form = CheckoutForm(company=company)
        form.initial["ship_to"] = next(iter(form.fields["ship_to"].queryset), None)
        return render(
            request, "ordering/checkout.html", _checkout_context(request, quote, form, CheckoutForm.new_key())
        )

    form = CheckoutForm(request.POST, company=company)
    quote = None
    if form.is_valid():
        try:
            order = _place(request, cart, form)
        except PriceChanged as changed:
            quote = changed.quote
            form.add_error(None, str(changed))
        except OrderingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Order %(number)s is placed.") % {"number": order.number})
            url = _order_url(order)
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _checkout_again(request, cart, form, quote)


def _place(request, cart, form: CheckoutForm) -> Order:
    membership = request.membership
    membership.user = request.user  # the same row, already loaded: saves place_order a query
    return services.place_order(
        cart=cart,
        membership=membership,
        checkout=form.checkout(),
        expected_total=form.cleaned_data["expected_total"],
        idempotency_key=form.cleaned_data["idempotency_key"],
    )


def _checkout_again(request, cart, form: CheckoutForm, quote: Quote | None):
    """The checkout shown again after a refusal, with today's figures."""
    if quote is None:
        quote = services.quote_cart(cart=cart)
        seen = form.cleaned_data.get("expected_total")
        if seen is not None and seen != quote.total and quote.lines and not form.non_field_errors():
            # Shown again for another reason (a date in the past, say) while the figures moved.
            form.add_error(None, str(PriceChanged(quote)))
    key = form.cleaned_data.get("idempotency_key") or CheckoutForm.new_key()
    template = "ordering/partials/checkout_body.html" if request.htmx else "ordering/checkout.html"
    return render(request, template, _checkout_context(request, quote, form, key))
