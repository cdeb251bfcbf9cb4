"""Card payments with Stripe, against a real localstripe process (tests/billing/conftest.py).

Webhooks are signed with the Stripe SDK's own helper (`stripe.WebhookSignature`): forged, stale
and altered deliveries are refused; an event is handled once however often it comes, even twice
at the same moment; events out of order cannot undo a payment; what an event says is never
trusted (the PaymentIntent is read back); an intent whose amount, currency or company differs
from the payment pays nothing. A PaymentIntent retried after a dropped connection carries the
same stored idempotency key and makes one payment. Refunds go back through the ledger. A prepaid
order on credit hold is paid by card and goes ahead."""

import http.client
import json
import threading
import time
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import stripe as stripe_sdk
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Notification, NotificationKind
from billing import stripe
from billing.models import LedgerEntry, Payment, StripeEvent
from billing.services import card, ledger
from ordering.models import Order, OrderState
from tests.billing.conftest import WEBHOOK_SECRET
from tests.factories import with_second_factor

pytestmark = pytest.mark.usefixtures("stripe_keys")

WEBHOOK = "/portal/billing/stripe/webhook/"


# --- Helpers -----------------------------------------------------------------------------------


def membership_of(user):
    return Membership.objects.select_related("company").get(user=user)


def pending_payment(user, *invoices) -> Payment:
    return card.start_for_invoices(membership=membership_of(user), invoice_ids=[i.pk for i in invoices], user=user)


def charged_at_stripe(payment, *, amount=None, currency=None, company_id=None, test_card=stripe.TEST_CARD) -> str:
    """The card is charged at localstripe for `payment` (as the browser's Payment Element would
    do), without our side hearing of it yet: only a webhook tells it. Amount, currency and company
    can be made to differ from the payment's."""
    intent = stripe.create_payment_intent(
        amount=payment.amount if amount is None else amount,
        currency=currency or payment.currency,
        metadata={"company_id": company_id or payment.company_id, "payment_id": payment.pk},
        idempotency_key=str(uuid.uuid4()),
        payment_method=test_card,
    )
    if amount is None and currency is None and company_id is None:
        Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent=intent.id)
    stripe.confirm_payment_intent(intent.id, idempotency_key=str(uuid.uuid4()))
    return intent.id


def event_body(intent_id, *, kind="payment_intent.succeeded", event_id=None, created=None, **claims) -> bytes:
    """An event as Stripe sends it; `claims` are what the event's copy of the intent says."""
    obj = {"id": intent_id, "object": "payment_intent", "status": "succeeded", "amount": 1, "currency": "cny"}
    obj.update(claims)
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": kind,
        "created": created or int(time.time()),
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def signed(body: bytes, *, secret=WEBHOOK_SECRET, timestamp=None) -> str:
    return stripe_sdk.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=timestamp)


def deliver(client, body: bytes, signature: str):
    return client.post(WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def payment_entries(payment) -> int:
    return LedgerEntry.objects.filter(payment=payment, kind=LedgerEntry.Kind.PAYMENT).count()


@pytest.fixture
def two_invoices(invoiced):
    return invoiced(price="100.00"), invoiced(price="50.00")


# --- Paying invoices ---------------------------------------------------------------------------


def test_finance_pays_two_invoices_by_card(client, company, company_finance, two_invoices):
    first, second = two_invoices
    client.force_login(company_finance)

    page = client.get(reverse("billing:pay"))
    assert page.status_code == 200
    assert [invoice.pk for invoice in page.context["invoices"]] == [first.pk, second.pk]
    assert "¥169.50" in page.content.decode()  # 113.00 + 56.50 still to pay

    response = client.post(
        reverse("billing:pay"), {"invoice": [first.pk, second.pk], "test_card": stripe.TEST_CARD}, follow=True
    )

    payment = Payment.objects.get(company=company)
    assert response.redirect_chain[-1][0] == reverse("billing:payment_detail", args=[payment.pk])
    assert (payment.state, payment.method, payment.amount, payment.currency) == (
        Payment.State.SUCCEEDED,
        Payment.Method.CARD,
        Decimal("169.50"),
        "CNY",
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.open_amount == second.open_amount == Decimal("0.00")
    assert payment_entries(payment) == 1
    assert ledger.balance(company.pk) == Decimal("0.00")
    # What Stripe holds: the amount in fen, the currency in lower case, whose payment it is.
    intent = stripe.retrieve_payment_intent(payment.stripe_payment_intent)
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 16950, "cny")
    assert intent.metadata == {"company_id": str(company.pk), "payment_id": str(payment.pk)}
    assert response.context["payment"].state == Payment.State.SUCCEEDED
    assert len(response.context["invoices"]) == 2
    assert "Received" in response.content.decode()


def test_a_declined_card_pays_nothing(client, company, company_finance, two_invoices):
    first, _ = two_invoices
    client.force_login(company_finance)

    client.post(reverse("billing:pay"), {"invoice": [first.pk], "test_card": stripe.TEST_CARD_DECLINED})

    payment = Payment.objects.get(company=company)
    assert payment.state == Payment.State.FAILED
    assert payment.failure_code
    first.refresh_from_db()
    assert first.open_amount == Decimal("113.00")
    assert not LedgerEntry.objects.filter(payment=payment).exists()


def test_only_finance_and_admins_pay_invoices(client, buyer, company_admin):
    client.force_login(buyer)
    assert client.get(reverse("billing:pay")).status_code == 403
    client.force_login(company_admin)
    assert client.get(reverse("billing:pay")).status_code == 200


def test_only_the_companys_own_open_invoices_are_paid(company_finance, outsider, two_invoices):
    first, second = two_invoices
    with pytest.raises(card.CardPaymentError):
        card.start_for_invoices(membership=membership_of(outsider), invoice_ids=[first.pk], user=outsider)
    with pytest.raises(card.CardPaymentError):
        card.start_for_invoices(membership=membership_of(company_finance), invoice_ids=[], user=company_finance)
    payment = pending_payment(company_finance, first)
    card.send_to_stripe(payment, test_card=stripe.TEST_CARD)
    # Paid already: choosing it again is refused, nothing half-made.
    with pytest.raises(card.CardPaymentError):
        card.start_for_invoices(
            membership=membership_of(company_finance), invoice_ids=[first.pk, second.pk], user=company_finance
        )
    assert Payment.objects.count() == 1


def test_a_mistyped_choice_is_answered_not_crashed(client, company_finance, two_invoices):
    client.force_login(company_finance)
    response = client.post(reverse("billing:pay"), {"invoice": ["abc"]}, follow=True)
    assert response.status_code == 200
    assert "Choose again." in response.content.decode()
    assert not Payment.objects.exists()


# --- Webhooks ----------------------------------------------------------------------------------


def test_a_signed_event_settles_the_payment_from_what_stripe_says(client, company_finance, two_invoices):
    payment = pending_payment(company_finance, *two_invoices)
    intent_id = charged_at_stripe(payment)
    body = event_body(intent_id, event_id="evt_signed_once")

    response = deliver(client, body, signed(body))

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED and payment_entries(payment) == 1
    event = StripeEvent.objects.get(event_id="evt_signed_once")
    assert (event.type, event.object_id) == ("payment_intent.succeeded", intent_id)
    assert event.processed_at is not None


@pytest.mark.parametrize("tamper", ["forged", "stale", "altered", "unsigned"])
def test_forged_stale_and_altered_deliveries_are_refused(client, company_finance, two_invoices, tamper):
    payment = pending_payment(company_finance, *two_invoices)
    intent_id = charged_at_stripe(payment)
    body = event_body(intent_id)
    if tamper == "forged":
        signature = signed(body, secret="whsec_someone_else")
    elif tamper == "stale":  # Stripe's SDK accepts five minutes; this is ten minutes old
        signature = signed(body, timestamp=int(time.time()) - 600)
    elif tamper == "altered":
        signature = signed(body)
        body = body.replace(b"payment_intent.succeeded", b"payment_intent.canceled")
    else:
        signature = ""

    response = deliver(client, body, signature)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING and payment_entries(payment) == 0


def test_the_webhook_takes_only_post(client):
    assert client.get(WEBHOOK).status_code == 405


def test_what_an_event_claims_is_not_trusted(client, company_finance, two_invoices):
    """The event says succeeded for the full amount; Stripe, asked, says the card was declined."""
    payment = pending_payment(company_finance, *two_invoices)
    intent_id = charged_at_stripe(payment, test_card=stripe.TEST_CARD_DECLINED)
    body = event_body(intent_id, amount=16950, metadata={"company_id": str(payment.company_id)})

    assert deliver(client, body, signed(body)).status_code == 200

    payment.refresh_from_db()
    assert payment.state == Payment.State.FAILED
    assert payment_entries(payment) == 0


def test_events_out_of_order_cannot_undo_a_payment(client, company_finance, two_invoices):
    payment = pending_payment(company_finance, *two_invoices)
    intent_id = charged_at_stripe(payment)
    now = int(time.time())
    # The failure notice of an earlier attempt arrives first: Stripe says succeeded now, so it is paid.
    failed = event_body(
        intent_id, kind="payment_intent.payment_failed", created=now - 30, status="requires_payment_method"
    )
    assert deliver(client, failed, signed(failed)).status_code == 200
    payment.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED
    # Then the success, and a late cancellation notice: nothing changes, nothing is booked twice.
    succeeded = event_body(intent_id, created=now)
    canceled = event_body(intent_id, kind="payment_intent.canceled", created=now - 60, status="canceled")
    assert deliver(client, succeeded, signed(succeeded)).status_code == 200
    assert deliver(client, canceled, signed(canceled)).status_code == 200

    payment.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED
    assert payment_entries(payment) == 1
    assert StripeEvent.objects.count() == 3


@pytest.mark.parametrize("mismatch", ["amount", "currency", "company"])
def test_an_intent_that_does_not_match_the_payment_pays_nothing(
    client, company_finance, other_company, two_invoices, mismatch
):
    payment = pending_payment(company_finance, *two_invoices)
    differs = {
        "amount": {"amount": Decimal("1.00")},
        "currency": {"currency": "USD"},
        "company": {"company_id": other_company.pk},
    }[mismatch]
    intent_id = charged_at_stripe(payment, **differs)
    assert stripe.retrieve_payment_intent(intent_id).status == "succeeded"
    body = event_body(intent_id)

    assert deliver(client, body, signed(body)).status_code == 200

    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING
    assert payment.failure_code == card.MISMATCH
    assert payment_entries(payment) == 0
    assert all(invoice.open_amount > 0 for invoice in payment.requested_invoices.all())


def test_an_event_for_no_payment_of_ours_is_stored_and_ignored(db, client):
    intent = stripe.create_payment_intent(
        amount=Decimal("5.00"),
        currency="CNY",
        metadata={},
        idempotency_key=str(uuid.uuid4()),
        payment_method=stripe.TEST_CARD,
    )
    body = event_body(intent.id)
    assert deliver(client, body, signed(body)).status_code == 200
    assert StripeEvent.objects.get().processed_at is not None
    assert not Payment.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_event_three_times_two_at_once_pays_once(company, company_finance, two_invoices):
    payment = pending_payment(company_finance, *two_invoices)
    intent_id = charged_at_stripe(payment)
    body = event_body(intent_id, event_id="evt_thrice")
    answers = []
    start = threading.Barrier(2)

    def deliver_in_a_thread():
        try:
            start.wait()
            answers.append(deliver(Client(), body, signed(body)).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver_in_a_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers.append(deliver(Client(), body, signed(body)).status_code)

    assert answers == [200, 200, 200]
    assert StripeEvent.objects.filter(event_id="evt_thrice").count() == 1
    payment.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED
    assert payment_entries(payment) == 1
    assert ledger.balance(company.pk) == Decimal("0.00")


# --- A dropped connection ----------------------------------------------------------------------


class DroppingProxy:
    """An HTTP proxy in front of localstripe that forwards every request and, for the first
    `drops` requests to `path` (a prefix), hangs up instead of answering: Stripe did the work
    but its answer never arrived. It notes each request's method, path and Idempotency-Key."""

    def __init__(self, target: str, *, path: str, drops: int = 1):
        self.target = urlsplit(target)
        self.path, self.drops, self.seen = path, drops, []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.seen.append((self.command, self.path, self.headers.get("Idempotency-Key")))
                upstream = http.client.HTTPConnection(proxy.target.hostname, proxy.target.port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                if self.path.startswith(proxy.path) and self.command == "POST" and proxy.drops > 0:
                    proxy.drops -= 1
                    self.close_connection = True
                    return  # hang up without a word
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_a_payment_intent_retried_after_a_dropped_connection_makes_one_payment(
    settings, localstripe_server, company, company_finance, two_invoices
):
    payment = pending_payment(company_finance, *two_invoices)
    key = str(payment.idempotency_key)
    # The key is stored before Stripe is called.
    assert Payment.objects.get(pk=payment.pk).idempotency_key == payment.idempotency_key

    with DroppingProxy(localstripe_server, path="/v1/payment_intents") as proxy:
        settings.STRIPE_API_BASE = proxy.url
        card.send_to_stripe(payment, test_card=stripe.TEST_CARD)

    creates = [seen for seen in proxy.seen if seen[:2] == ("POST", "/v1/payment_intents")]
    assert len(creates) == 2, proxy.seen  # the SDK tried again after the hang-up...
    assert {seen[2] for seen in creates} == {key}  # ...with the key we stored
    assert Payment.objects.filter(company=company).count() == 1
    payment.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED and payment_entries(payment) == 1
    assert ledger.balance(company.pk) == Decimal("0.00")


def test_a_confirmation_retried_after_a_dropped_connection_charges_once(
    settings, localstripe_server, company, company_finance, two_invoices
):
    payment = pending_payment(company_finance, *two_invoices)

    with DroppingProxy(localstripe_server, path="/v1/payment_intents/pi_") as proxy:
        settings.STRIPE_API_BASE = proxy.url
        card.send_to_stripe(payment, test_card=stripe.TEST_CARD)

    confirms = [seen for seen in proxy.seen if seen[0] == "POST" and seen[1].endswith("/confirm")]
    assert len(confirms) == 2 and len({seen[2] for seen in confirms}) == 1
    settings.STRIPE_API_BASE = localstripe_server
    payment.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED and payment_entries(payment) == 1
    charges = stripe_sdk.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses={"api": localstripe_server}).v1.charges
    assert [
        c.amount for c in charges.list({"limit": 100}).data if c.payment_intent == payment.stripe_payment_intent
    ] == [16950]


# --- Refunds -----------------------------------------------------------------------------------


def test_a_refund_goes_through_stripe_and_back_through_the_ledger(
    settings, company, company_finance, staff_finance, two_invoices
):
    first, second = two_invoices
    payment = pending_payment(company_finance, first, second)
    card.send_to_stripe(payment, test_card=stripe.TEST_CARD)

    refunded = card.refund(payment=payment, amount=Decimal("56.50"), user=staff_finance)

    assert refunded.refunded == Decimal("56.50")
    refund_entry = LedgerEntry.objects.get(payment=payment, kind=LedgerEntry.Kind.REFUND)
    assert refund_entry.amount == Decimal("56.50") and refund_entry.memo.startswith("Stripe re_")
    assert ledger.balance(company.pk) == Decimal("56.50")
    # The newest allocation is undone first: the invoice due last is open again.
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.open_amount, second.open_amount) == (Decimal("0.00"), Decimal("56.50"))
    refunds = stripe_sdk.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    ).v1.refunds.list({"payment_intent": payment.stripe_payment_intent})
    assert [refund.amount for refund in refunds.data] == [5650]
    with pytest.raises(card.CardPaymentError):
        card.refund(payment=payment, amount=Decimal("113.01"), user=staff_finance)
    assert LedgerEntry.objects.filter(payment=payment, kind=LedgerEntry.Kind.REFUND).count() == 1


# --- A prepaid order ---------------------------------------------------------------------------


@pytest.fixture
def prepaid_order(company, place_order, make_product):
    company.credit_limit = Decimal("0.00")
    company.save(update_fields=["credit_limit"])
    return place_order(product=make_product(price="80.00", tax_rate="0"), quantity=2, state=OrderState.CREDIT_HOLD)


def test_a_prepaid_order_is_paid_now_and_goes_ahead(client, company, buyer, approver, prepaid_order):
    order = prepaid_order
    client.force_login(approver)
    assert "Pay now" not in client.get(reverse("ordering:order_detail", args=[order.number])).content.decode()
    client.force_login(buyer)
    page = client.get(reverse("ordering:order_detail", args=[order.number])).content.decode()
    assert 'data-testid="pay-now"' in page and "Pay now" in page

    response = client.post(reverse("billing:pay_order", args=[order.number]), follow=True)

    payment = Payment.objects.get(order=order)
    assert (payment.state, payment.amount) == (Payment.State.SUCCEEDED, Decimal("160.00"))
    assert response.context["payment"] == payment
    order = Order.objects.get(pk=order.pk)
    assert order.state == OrderState.APPROVED
    assert order.hold_reasons == []
    released = order.events.get(from_state=OrderState.CREDIT_HOLD)
    assert released.actor is None
    assert released.phrase["code"] == "hold.released_paid"
    assert released.phrase["params"]["reference"] == payment.stripe_payment_intent
    # Until the goods are invoiced, the money is credit on the account.
    assert payment.unallocated == Decimal("160.00")
    assert ledger.balance(company.pk) == Decimal("-160.00")
    # Paid: no second payment, no button.
    client.post(reverse("billing:pay_order", args=[order.number]))
    assert Payment.objects.filter(order=order).count() == 1
    assert "Pay now" not in client.get(reverse("ordering:order_detail", args=[order.number])).content.decode()


def test_an_order_that_is_not_prepaid_on_hold_is_not_paid_by_card(client, buyer, place_order):
    order = place_order(state=OrderState.APPROVED)
    client.force_login(buyer)
    client.post(reverse("billing:pay_order", args=[order.number]))
    assert not Payment.objects.exists()


# --- The customer's payments -------------------------------------------------------------------


def test_the_payments_list_shows_the_companys_payments_only(
    client, company_finance, outsider, two_invoices, django_assert_max_num_queries
):
    for invoice in two_invoices:
        card.send_to_stripe(pending_payment(company_finance, invoice), test_card=stripe.TEST_CARD)
    theirs = Payment.objects.create(
        company=membership_of(outsider).company, method=Payment.Method.CARD, currency="CNY", amount=Decimal("9.00")
    )
    client.force_login(company_finance)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("billing:payment_list"))

    payments = list(response.context["payments"])
    assert len(payments) == 2 and theirs not in payments
    assert response.content.decode().count('data-testid="payment-row"') == 2


def test_only_the_payment_page_may_load_stripe_js(client, company_finance, two_invoices):
    """Stripe's Payment Element (real keys) needs js.stripe.com; every other page keeps 'self'."""
    payment = pending_payment(company_finance, *two_invoices)
    client.force_login(company_finance)

    policy = client.get(reverse("billing:payment_detail", args=[payment.pk])).headers["Content-Security-Policy"]
    elsewhere = client.get(reverse("billing:pay")).headers["Content-Security-Policy"]

    assert "script-src 'self' https://js.stripe.com" in policy
    assert "frame-src https://js.stripe.com https://hooks.stripe.com" in policy
    assert "js.stripe.com" not in elsewhere


def test_a_mismatch_tells_finance_once_and_the_payments_list_shows_it(
    client, company_finance, staff_finance, staff_sales_rep, two_invoices, django_capture_on_commit_callbacks
):
    payment = pending_payment(company_finance, *two_invoices)
    intent_id = charged_at_stripe(payment, amount=Decimal("1.00"))
    for _ in range(2):
        body = event_body(intent_id)
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver(client, body, signed(body)).status_code == 200

    told = Notification.objects.filter(kind=NotificationKind.PAYMENT_MISMATCH)
    assert [n.user for n in told] == [staff_finance]
    assert told.get().title == f"A card payment of {payment.company} needs checking"
    assert intent_id in told.get().body
    client.force_login(with_second_factor(staff_finance))
    listed = client.get(reverse("billing_payments:payments"), {"state": "needs_checking"}).content.decode()
    assert f'data-payment="{payment.pk}"' in listed and "data-needs-checking" in listed
    detail = client.get(reverse("billing_payments:payment", args=[payment.pk])).content.decode()
    assert "data-needs-checking" in detail


def test_a_refund_made_in_stripes_dashboard_reaches_the_ledger_once(
    settings, client, company, company_finance, staff_finance, two_invoices
):
    first, second = two_invoices
    payment = pending_payment(company_finance, first, second)
    card.send_to_stripe(payment, test_card=stripe.TEST_CARD)
    payment.refresh_from_db()
    sdk = stripe_sdk.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE})
    # Someone refunds 50.00 by hand at Stripe; Stripe tells us with charge.refunded.
    refund = sdk.v1.refunds.create({"payment_intent": payment.stripe_payment_intent, "amount": 5000})
    body = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": "charge.refunded",
            "created": int(time.time()),
            "data": {"object": {"id": refund.charge, "object": "charge", "amount_refunded": 999999}},
        }
    ).encode()
    assert deliver(client, body, signed(body)).status_code == 200

    payment.refresh_from_db()
    assert payment.refunded == Decimal("50.00")  # what Stripe says, not what the event claims
    assert LedgerEntry.objects.get(payment=payment, kind=LedgerEntry.Kind.REFUND).amount == Decimal("50.00")
    assert ledger.balance(company.pk) == Decimal("50.00")
    second.refresh_from_db()
    assert second.open_amount == Decimal("50.00")
    # The same news again, or our own refund's event afterwards, books nothing more.
    card.refund(payment=payment, amount=Decimal("10.00"), user=staff_finance)
    again = body.replace(b'"evt_', b'"evt_again')
    assert deliver(client, again, signed(again)).status_code == 200
    payment.refresh_from_db()
    assert payment.refunded == Decimal("60.00")
    assert LedgerEntry.objects.filter(payment=payment, kind=LedgerEntry.Kind.REFUND).count() == 2
