"""Every call to Stripe, and the only module that imports the `stripe` SDK.

The client comes from settings: `STRIPE_SECRET_KEY`, and `STRIPE_API_BASE` when the demo and the
tests talk to localstripe on 127.0.0.1 instead of Stripe. Amounts cross this border in minor units
(fen, cents) computed from `Decimal`, currencies in lower case. Every call that creates something
carries an idempotency key the caller stored before calling (billing.services.card), so a call
retried after a dropped connection finds the first one's result at Stripe instead of paying twice.
"""

from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.conf import settings

# Errors callers catch without importing the SDK.
StripeError = stripe.StripeError
SignatureError = stripe.SignatureVerificationError
ConnectionFailed = stripe.APIConnectionError
CardDeclined = stripe.CardError

# Payment methods localstripe (and Stripe's test mode) knows, for paying without Stripe.js.
TEST_CARD = "pm_card_visa"
TEST_CARD_DECLINED = "pm_card_chargeCustomerFail"

# How often the SDK itself retries a request whose connection dropped (with the same key).
NETWORK_RETRIES = 2


def test_mode() -> bool:
    """Talking to a local fake Stripe (localstripe): no Payment Element, cards confirmed here."""
    return bool(settings.STRIPE_API_BASE)


def client() -> stripe.StripeClient:
    options = {"max_network_retries": NETWORK_RETRIES}
    if settings.STRIPE_API_BASE:
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **options)


def to_minor(amount: Decimal) -> int:
    """Decimal major units (two places) to Stripe's integer minor units, exactly."""
    minor = amount * 100
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} has more than two decimal places")
    return int(minor)


def from_minor(amount: int) -> Decimal:
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Intent:
    """What billing reads from a PaymentIntent (never the SDK's object outside this module)."""

    id: str
    status: str
    amount: int
    currency: str
    metadata: dict
    client_secret: str
    failure_code: str

    @classmethod
    def of(cls, obj) -> "Intent":
        obj = obj.to_dict()
        error = obj.get("last_payment_error") or {}
        return cls(
            id=obj["id"],
            status=obj["status"],
            amount=int(obj["amount"]),
            currency=str(obj["currency"]).lower(),
            metadata=dict(obj.get("metadata") or {}),
            client_secret=obj.get("client_secret") or "",
            failure_code=(error.get("decline_code") or error.get("code") or "") if error else "",
        )


def create_payment_intent(
    *, amount: Decimal, currency: str, metadata: dict, idempotency_key: str, payment_method: str = ""
) -> Intent:
    """A PaymentIntent for `amount` in `currency`. With `payment_method` (test mode) it is
    confirmed here by `confirm_payment_intent`; without, the customer's browser confirms it with
    Stripe's Payment Element."""
    params = {
        "amount": to_minor(amount),
        "currency": currency.lower(),
        "metadata": {key: str(value) for key, value in metadata.items()},
    }
    if payment_method:
        params["payment_method"] = payment_method
        params["payment_method_types"] = ["card"]
    else:
        params["automatic_payment_methods"] = {"enabled": True}
    return Intent.of(client().v1.payment_intents.create(params, {"idempotency_key": idempotency_key}))


def confirm_payment_intent(intent_id: str, *, idempotency_key: str) -> Intent:
    """Confirm (charge) a PaymentIntent created with its payment method. A declined card answers
    the intent as it is now (requires_payment_method with its error), not an exception."""
    api = client().v1.payment_intents
    try:
        return Intent.of(api.confirm(intent_id, options={"idempotency_key": idempotency_key}))
    except stripe.CardError:
        return retrieve_payment_intent(intent_id)
    except stripe.InvalidRequestError:
        # Confirmed already (a retry after a dropped answer): what it is now says what happened.
        return retrieve_payment_intent(intent_id)


def retrieve_payment_intent(intent_id: str) -> Intent:
    return Intent.of(client().v1.payment_intents.retrieve(intent_id))


def refund(*, intent_id: str, amount: Decimal, idempotency_key: str) -> str:
    """Refund `amount` of a succeeded PaymentIntent; returns the refund's id."""
    result = client().v1.refunds.create(
        {"payment_intent": intent_id, "amount": to_minor(amount)}, {"idempotency_key": idempotency_key}
    )
    return result.id


def refunded_of_charge(charge_id: str) -> tuple[str, int]:
    """The PaymentIntent a charge belongs to and how much of it (minor units) Stripe has refunded
    by now, counting the refunds that succeeded or are on their way (pending), wherever they were
    made: ours, or by hand in Stripe's dashboard."""
    api = client().v1
    intent_id = api.charges.retrieve(charge_id).to_dict().get("payment_intent") or ""
    if not intent_id:
        return "", 0
    refunds = api.refunds.list({"payment_intent": intent_id, "limit": 100}).auto_paging_iter()
    return intent_id, sum(int(r.amount) for r in refunds if r.status in ("succeeded", "pending"))


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    object_id: str
    object_type: str
    # The charge a refund event's refund belongs to ("" for other objects).
    charge_id: str = ""


def verify_webhook(payload: bytes, signature_header: str) -> Event:
    """The event in `payload` (the request's raw body) if `signature_header` (Stripe-Signature)
    signs it with our webhook secret within Stripe's tolerance (5 minutes); SignatureError or
    ValueError otherwise."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise SignatureError("No webhook secret is configured.", signature_header)
    event = stripe.Webhook.construct_event(payload, signature_header, settings.STRIPE_WEBHOOK_SECRET).to_dict()
    obj = event["data"]["object"]
    return Event(
        id=event["id"],
        type=event["type"],
        object_id=obj.get("id", ""),
        object_type=obj.get("object", ""),
        charge_id=(obj.get("charge") or "") if obj.get("object") == "refund" else "",
    )
