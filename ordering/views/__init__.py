"""Customer views: cart, quick order, upload, saved lists, checkout, re-order.

Each view checks access (member_required, get_for_member), validates a form, calls one action in
ordering.services, ordering.quick_order or ordering.saved_lists and answers. One module per
screen family: cart, quick order, saved lists (and re-order), checkout. No view reads a price from the request or
computes one: every figure on these pages comes from services.quote_cart or catalog.pricing.
With htmx, the cart and the add-to-cart stepper swap in place; without JavaScript every form
posts normally and redirects back.
"""

from .cart import cart_add, cart_line, cart_view
from .checkout import checkout
from .quick_order import quick_order_sample, quick_order_upload, quick_order_view
from .saved_lists import (
    reorder,
    saved_list_add_to_cart,
    saved_list_create,
    saved_list_delete,
    saved_list_detail,
    saved_list_index,
    saved_list_rename,
)

__all__ = [
    "approvals",
    "cart_add",
    "cart_line",
    "cart_view",
    "checkout",
    "order_approve",
    "order_cancel",
    "order_detail",
    "order_list",
    "order_reject",
    "py",
    "quick_order_sample",
    "quick_order_upload",
    "quick_order_view",
    "reorder",
    "saved_list_add_to_cart",
    "saved_list_create",
    "saved_list_delete",
    "saved_list_detail",
    "saved_list_index",
    "saved_list_rename",
]
