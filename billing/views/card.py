"""Card payments: the customer's pay page (open invoices to choose), paying a prepaid order,
a payment's page (Stripe's Payment Element with real keys; the result), the payments list, and
Stripe's webhook. Every Stripe call is billing.stripe's, every decision billing.services.card's."""

import logging

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.db.models import Q, Sum
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.access import get_for_member, member_required, scoped
from accounts.models import Membership
from ordering.models import Order

from .. import stripe
from ..models import Payment
from ..services import card

log = logging.getLogger(__name__)

R = Membership.Role
PAYERS = (R.ADMIN, R.FINANCE)
ORDER_PAYERS = (R.ADMIN, R.FINANCE, R.BUYER)
TEST_CARDS = (
    (stripe.TEST_CARD, gettext_lazy("Test Visa 4242 4242 4242 4242 (paid)")),
    (stripe.TEST_CARD_DECLINED, gettext_lazy("Test Visa 4000 0000 0000 0341 (declined)")),
)

# Stripe.js and its Payment Element (real keys only): the page loads Stripe's script, which frames
# Stripe's pages and calls Stripe's API. Only the payment page allows them.
STRIPE_JS_POLICY = {
    "script-src": ["https://js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


def _test_card(request) -> str:
    chosen = request.POST.get("test_card", stripe.TEST_CARD)
    return chosen if chosen in dict(TEST_CARDS) else stripe.TEST_CARD


def _to_stripe(request, payment: Payment):
    """Send the payment to Stripe (and, against localstripe, pay it with the chosen test card),
    then show it."""
    try:
        card.send_to_stripe(payment, test_card=_test_card(request) if stripe.test_mode() else "")
    except card.CardPaymentError as error:
        messages.error(request, str(error))
    except stripe.StripeError:
        log.exception("Stripe refused or did not answer for payment %s", payment.pk)
        messages.error(request, _("The card service did not answer. Nothing was charged twice: try again."))
    return redirect("billing:payment_detail", pk=payment.pk)


@member_required(roles=PAYERS)
def pay_invoices(request):
    company = request.membership.company
    invoices = list(card.payable_invoices(company.pk))
    if request.method == "POST":
        try:
            payment = card.start_for_invoices(
                membership=request.membership, invoice_ids=request.POST.getlist("invoice"), user=request.user
            )
        except (card.CardPaymentError, ValueError) as error:
            messages.error(request, str(error) if isinstance(error, card.CardPaymentError) else _("Choose again."))
            return redirect("billing:pay")
        return _to_stripe(request, payment)
    totals = (
        card.payable_invoices(company.pk).values("currency").annotate(total=Sum("open_amount")).order_by("currency")
    )
    return render(
        request,
        "billing/pay.html",
        {
            "invoices": invoices,
            "totals": totals,
            "test_mode": stripe.test_mode(),
            "test_cards": TEST_CARDS,
        },
    )


@require_POST
@member_required(roles=ORDER_PAYERS)
def pay_order(request, number):
    order = get_for_member(request, Order.objects.select_related("company"), number=number)
    try:
        payment = card.start_for_order(membership=request.membership, order=order, user=request.user)
    except card.CardPaymentError as error:
        messages.error(request, str(error))
        return redirect("ordering:order_detail", number=order.number)
    return _to_stripe(request, payment)


def _visible_payments(request):
    payments = scoped(request, Payment.objects.all())
    if request.membership.role not in PAYERS:
        payments = payments.filter(Q(created_by=request.user))
    return payments


@csp_update(STRIPE_JS_POLICY)
@member_required(roles=ORDER_PAYERS)
def payment_detail(request, pk):
    payment = get_for_member(
        request, _visible_payments(request).select_related("order").prefetch_related("requested_invoices"), pk=pk
    )
    intent = None
    if payment.state in (Payment.State.PENDING, Payment.State.FAILED) and payment.stripe_payment_intent:
        try:
            # Back from Stripe's page (or reloaded): what the intent is now, read from Stripe.
            payment = card.settle(payment.stripe_payment_intent) or payment
            if payment.state == Payment.State.PENDING and not stripe.test_mode():
                intent = stripe.retrieve_payment_intent(payment.stripe_payment_intent)
        except stripe.StripeError:
            log.exception("Could not read payment %s from Stripe", payment.pk)
    return render(
        request,
        "billing/payment_detail.html",
        {
            "payment": payment,
            "invoices": list(payment.requested_invoices.order_by("due_on", "pk")),
            "intent": intent,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "return_url": request.build_absolute_uri(reverse("billing:payment_detail", args=[payment.pk])),
        },
    )


@member_required(roles=PAYERS)
def payment_list(request):
    payments = scoped(request, Payment.objects.all()).select_related("order", "created_by")[:200]
    return render(request, "billing/payment_list.html", {"payments": payments})


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events: the signature is checked on the raw body; each event is handled once."""
    try:
        event = stripe.verify_webhook(request.body, request.headers.get("Stripe-Signature", ""))
    except (stripe.SignatureError, ValueError, KeyError):
        return HttpResponseBadRequest("Invalid signature.")
    try:
        card.handle_event(event)
    except stripe.StripeError:
        log.exception("Stripe event %s: the object could not be read back; Stripe will send it again.", event.id)
        return HttpResponse("Try again.", status=503)
    return HttpResponse("OK")
