"""Card payments with Stripe: what a customer pays, and what Stripe says happened.

- `start_for_invoices` / `start_for_order`: a pending Payment for chosen open invoices (the
  company's own, in one currency; the amount is what they still wait for) or for a prepaid
  order on credit hold; it is committed with its idempotency key BEFORE Stripe is called, so a
  retry after a dropped connection sends the same key (`send_to_stripe`).
- `settle(intent_id)`: what the PaymentIntent says, read back from Stripe (never taken from a
  webhook event or the browser). Succeeded, for this payment's amount, currency and company:
  the Payment becomes succeeded and is booked in the ledger once (`ledger.book_payment` under
  `lock_books`), and a prepaid order goes on (`ordering.services.release_paid_prepayment`).
  A mismatch is refused and logged, never paid. Failed and cancelled are recorded; a failed
  payment can still succeed (the customer tries another card on the same intent).
- `refund`: through Stripe first, then `ledger.refund_payment`, under the books' lock.

Every Stripe call goes through billing.stripe.
"""

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, NotificationKind
from accounts.selectors import staff_holding
from accounts.services import notify
from kit import phrases
from ordering.models import Order, OrderState
from ordering.services import release_paid_prepayment

from .. import stripe
from ..models import Invoice, Payment, StripeEvent
from . import ledger

log = logging.getLogger(__name__)

MISMATCH = "mismatch"


class CardPaymentError(Exception):
    pass


def payable_invoices(company_id: int) -> QuerySet[Invoice]:
    """The company's invoices still waiting for money, oldest due first."""
    return Invoice.objects.filter(company_id=company_id, kind=Invoice.Kind.INVOICE, open_amount__gt=0).order_by(
        "due_on", "issued_on", "pk"
    )


def payable_order(order: Order) -> bool:
    """A prepaid company's order waiting on credit hold for its money."""
    return order.state == OrderState.CREDIT_HOLD and order.company.prepaid


# --- Starting a payment ------------------------------------------------------------------------


def start_for_invoices(*, membership: Membership, invoice_ids: list[int], user) -> Payment:
    """A pending card payment of the chosen invoices' open amounts (committed, not yet at Stripe)."""
    ids = sorted({int(pk) for pk in invoice_ids})
    if not ids:
        raise CardPaymentError(_("Choose at least one invoice to pay."))
    with transaction.atomic():
        invoices = list(payable_invoices(membership.company_id).filter(pk__in=ids).select_for_update())
        found = {invoice.pk for invoice in invoices}
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise CardPaymentError(_("An invoice you chose is paid already or is not open any more. Choose again."))
        currencies = {invoice.currency for invoice in invoices}
        if len(currencies) > 1:
            raise CardPaymentError(_("Pay invoices in one currency at a time."))
        amount = sum((invoice.open_amount for invoice in invoices), Decimal("0.00"))
        payment = Payment.objects.create(
            company_id=membership.company_id,
            method=Payment.Method.CARD,
            currency=currencies.pop(),
            amount=amount,
            payer_name=user.get_full_name() or user.email,
            reference=", ".join(invoice.number for invoice in invoices)[:140],
            created_by=user,
        )
        payment.requested_invoices.set(invoices)
    return payment


def start_for_order(*, membership: Membership, order: Order, user) -> Payment:
    """A pending card payment of a prepaid order's total. One payment at a time: a pending
    payment of the order already at Stripe is given back instead of a second one."""
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("company").get(pk=order.pk)
        if order.company_id != membership.company_id:
            raise CardPaymentError(_("This order is not your company's."))
        if not payable_order(order):
            raise CardPaymentError(_("This order is not waiting for a payment."))
        pending = order.payments.filter(state=Payment.State.PENDING).first()
        if pending is not None:
            return pending
        return Payment.objects.create(
            company_id=order.company_id,
            method=Payment.Method.CARD,
            currency=order.currency,
            amount=order.total,
            payer_name=user.get_full_name() or user.email,
            reference=order.number,
            order=order,
            created_by=user,
        )


def send_to_stripe(payment: Payment, *, test_card: str = "") -> stripe.Intent:
    """Create the payment's PaymentIntent with its stored idempotency key (a payment already at
    Stripe gets its intent back). With `test_card` (localstripe, the demo) it is confirmed here
    and settled from what Stripe then says; otherwise the browser confirms it (Payment Element)."""
    if payment.stripe_payment_intent:
        intent = stripe.retrieve_payment_intent(payment.stripe_payment_intent)
    else:
        intent = stripe.create_payment_intent(
            amount=payment.amount,
            currency=payment.currency,
            metadata={"company_id": payment.company_id, "payment_id": payment.pk},
            idempotency_key=str(payment.idempotency_key),
            payment_method=test_card,
        )
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if not locked.stripe_payment_intent:
                locked.stripe_payment_intent = intent.id
                locked.save(update_fields=["stripe_payment_intent"])
            elif locked.stripe_payment_intent != intent.id:
                log.error(
                    "Payment %s has intent %s; Stripe answered %s", payment.pk, locked.stripe_payment_intent, intent.id
                )
                raise CardPaymentError(_("This payment is at Stripe already."))
        payment.stripe_payment_intent = intent.id
    if test_card and intent.status == "requires_confirmation":
        stripe.confirm_payment_intent(intent.id, idempotency_key=f"{payment.idempotency_key}:confirm")
        settle(intent.id)
        intent = stripe.retrieve_payment_intent(intent.id)
    return intent


# --- What Stripe says -------------------------------------------------------------------------


def settle(intent_id: str) -> Payment | None:
    """Read the PaymentIntent back from Stripe and record what it says (once)."""
    return _apply(stripe.retrieve_payment_intent(intent_id))


def _payment_for(intent: stripe.Intent) -> Payment | None:
    payment = Payment.objects.filter(stripe_payment_intent=intent.id).first()
    if payment is not None:
        return payment
    # Created at Stripe but its id never came back (the connection dropped): the metadata names it.
    payment_id = intent.metadata.get("payment_id", "")
    if payment_id.isdigit():
        return Payment.objects.filter(pk=int(payment_id), method=Payment.Method.CARD).first()
    return None


def _mismatches(payment: Payment, intent: stripe.Intent) -> list[str]:
    problems = []
    if intent.amount != stripe.to_minor(payment.amount):
        problems.append(f"amount {intent.amount} != {stripe.to_minor(payment.amount)}")
    if intent.currency != payment.currency.lower():
        problems.append(f"currency {intent.currency} != {payment.currency.lower()}")
    if intent.metadata.get("company_id") != str(payment.company_id):
        problems.append(f"company {intent.metadata.get('company_id')!r} != {payment.company_id}")
    if intent.metadata.get("payment_id") != str(payment.pk):
        problems.append(f"payment {intent.metadata.get('payment_id')!r} != {payment.pk}")
    return problems


def _apply(intent: stripe.Intent) -> Payment | None:
    found = _payment_for(intent)
    if found is None:
        log.warning("Stripe PaymentIntent %s names no payment of ours; ignored.", intent.id)
        return None
    with transaction.atomic():
        account = ledger.lock_books(found.company_id)
        payment = Payment.objects.select_for_update().get(pk=found.pk)
        if payment.stripe_payment_intent and payment.stripe_payment_intent != intent.id:
            log.error(
                "PaymentIntent %s is not payment %s's (%s); refused.",
                intent.id,
                payment.pk,
                payment.stripe_payment_intent,
            )
            return payment
        if payment.state in (Payment.State.SUCCEEDED, Payment.State.CANCELLED):
            return payment  # recorded once; a late or repeated event changes nothing
        if intent.status == "succeeded":
            problems = _mismatches(payment, intent)
            if problems:
                log.error(
                    "PaymentIntent %s does not match payment %s: %s; not paid.",
                    intent.id,
                    payment.pk,
                    "; ".join(problems),
                )
                if payment.failure_code != MISMATCH:
                    payment.failure_code = MISMATCH
                    payment.save(update_fields=["failure_code"])
                    transaction.on_commit(lambda: _tell_finance_of_mismatch(payment, intent.id))
                return payment
            payment.state = Payment.State.SUCCEEDED
            payment.stripe_payment_intent = intent.id
            payment.received_on = timezone.localdate()
            payment.failure_code = ""
            payment.save(update_fields=["state", "stripe_payment_intent", "received_on", "failure_code"])
            ledger.book_payment(account, payment, actor=payment.created_by)
            if payment.order_id:
                release_paid_prepayment(
                    order=payment.order,
                    amount=phrases.money(payment.amount, payment.currency),
                    reference=intent.id,
                )
        elif intent.status == "canceled":
            payment.state = Payment.State.CANCELLED
            payment.save(update_fields=["state"])
        elif intent.status == "requires_payment_method" and intent.failure_code:
            payment.state = Payment.State.FAILED
            payment.failure_code = intent.failure_code[:100]
            payment.save(update_fields=["state", "failure_code"])
    return payment


# Who looks into card payments that need checking (the back office's payment page).
CHANGE_PAYMENTS = "billing.change_payment"


def _tell_finance_of_mismatch(payment: Payment, intent_id: str) -> None:
    """The customer reads "our finance team checks it": finance is told, once per payment."""
    notify(
        users=staff_holding(CHANGE_PAYMENTS),
        kind=NotificationKind.PAYMENT_MISMATCH,
        url=reverse("billing_payments:payment", args=[payment.pk]),
        params={
            "company": str(payment.company),
            "amount": phrases.money(payment.amount, payment.currency),
            "intent": intent_id,
        },
    )


# --- Refunds ----------------------------------------------------------------------------------


def refund(*, payment: Payment, amount: Decimal, user, memo: str = "") -> Payment:
    """Pay `amount` of a received card payment back: Stripe first (its idempotency key follows
    from the stored payment and what was refunded before, so a retry repeats the same refund),
    then the ledger, which reopens the invoices the money had settled."""
    with transaction.atomic():
        account = ledger.lock_books(payment.company_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.method != Payment.Method.CARD or payment.state != Payment.State.SUCCEEDED:
            raise CardPaymentError(_("Only a received card payment is refunded by card."))
        if amount <= 0 or amount > payment.amount - payment.refunded:
            raise CardPaymentError(_("A refund is more than zero and at most what was paid and not yet refunded."))
        refund_id = stripe.refund(
            intent_id=payment.stripe_payment_intent,
            amount=amount,
            idempotency_key=f"{payment.idempotency_key}:refund:{payment.refunded}",
        )
        ledger.refund_payment(account, payment, amount, actor=user, memo=(memo or f"Stripe {refund_id}")[:300])
    return Payment.objects.get(pk=payment.pk)


# --- Webhook events ---------------------------------------------------------------------------

HANDLED_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.processing",
}
REFUND_EVENTS = {"charge.refunded", "charge.refund.updated"}


def settle_refunds(charge_id: str) -> Payment | None:
    """A refund made outside the portal (in Stripe's dashboard) reaches the ledger: what Stripe
    says is refunded of the charge's PaymentIntent, minus what we booked, is booked now, once.
    Our own refunds are booked as they are made, so their events find nothing left to book."""
    intent_id, refunded_minor = stripe.refunded_of_charge(charge_id)
    payment = Payment.objects.filter(stripe_payment_intent=intent_id, method=Payment.Method.CARD).first()
    if not intent_id or payment is None:
        log.warning("Stripe charge %s names no card payment of ours; ignored.", charge_id)
        return None
    with transaction.atomic():
        account = ledger.lock_books(payment.company_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.state != Payment.State.SUCCEEDED:
            return payment
        missing = min(stripe.from_minor(refunded_minor), payment.amount) - payment.refunded
        if missing > 0:
            ledger.refund_payment(account, payment, missing, memo=f"Refunded at Stripe ({charge_id})")
    return Payment.objects.get(pk=payment.pk)


def handle_event(event: stripe.Event) -> bool:
    """A verified webhook event, handled once: its id is stored (a second delivery, even at the
    same moment, waits for the first and then finds it done) and the PaymentIntent it names is
    read back from Stripe and settled. Events arrive in any order: settling reads what the
    intent is now, and a received payment never goes back. Returns False for a repeat."""
    with transaction.atomic():
        row, created = StripeEvent.objects.select_for_update().get_or_create(
            event_id=event.id, defaults={"type": event.type[:100], "object_id": event.object_id[:100]}
        )
        if row.processed_at is not None:
            return False
        if event.type in HANDLED_EVENTS and event.object_type == "payment_intent" and event.object_id:
            settle(event.object_id)
        elif event.type in REFUND_EVENTS and event.object_type in ("charge", "refund") and event.object_id:
            settle_refunds(event.charge_id or event.object_id)
        row.processed_at = timezone.now()
        row.save(update_fields=["processed_at"])
    return True
