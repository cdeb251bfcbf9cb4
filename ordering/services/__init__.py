"""Ordering's writes, one module per concern; every caller imports the verbs from here.

Cart (cart.py): cart_for, add_to_cart, add_to_own_cart, set_cart_quantity, remove_from_cart,
    get_orderable_product.
Quote (quote.py): quote_cart, what placing the cart would cost and get now.
Placement (placement.py): place_order, under the fixed lock order it describes.
Routing (routing.py): where an order goes (customer approval, credit hold, staff rules); the
    checkout's preview asks the same functions.
Decisions (decisions.py): decide_customer_approval, decide_staff_approval, release_credit_hold,
    release_paid_prepayment (billing: a prepaid order was paid),
    cancel_order.

What may be ordered and at what price is catalog.offers'; stock allocation is
catalog.allocation's; credit exposure is accounts.credit's.
"""

from .cart import (
    CartAdd,
    add_to_cart,
    add_to_own_cart,
    cart_for,
    get_orderable_product,
    remove_from_cart,
    set_cart_quantity,
)
from .common import OrderingError, PriceChanged, notifications_silenced
from .decisions import (
    cancel_order,
    decide_customer_approval,
    decide_staff_approval,
    release_credit_hold,
    release_paid_prepayment,
)
from .placement import Checkout, place_order
from .quote import CreditPicture, Quote, QuoteLine, quote_cart

__all__ = [
    "CartAdd",
    "Checkout",
    "CreditPicture",
    "OrderingError",
    "PriceChanged",
    "Quote",
    "QuoteLine",
    "add_to_cart",
    "add_to_own_cart",
    "cancel_order",
    "cart_for",
    "decide_customer_approval",
    "decide_staff_approval",
    "get_orderable_product",
    "notifications_silenced",
    "place_order",
    "quote_cart",
    "release_credit_hold",
    "release_paid_prepayment",
    "remove_from_cart",
    "set_cart_quantity",
]
