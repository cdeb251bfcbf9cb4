"""Lines copied into the cart from a saved list or a past order, and the company's shared
saved lists.

Verbs:
- copy_into_cart(cart=..., wanted=...): re-order and saved lists: quantities snapped, short stock
  trimmed to what is there, every line that cannot be copied flagged with the reason
  (catalog.offers decides and words it).
- save_cart_as_list / rename_saved_list / delete_saved_list: the company's shared order lists.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog.models import Product
from catalog.offers import (
    MAX_LINE_QUANTITY,
    OfferTerms,
    Refusal,
    for_sku,
    largest_orderable_at_most,
    refusal_text,
    snapped,
)
from catalog.selectors import visible_products
from kit.money import format_money

from . import services
from .models import Cart, CartLine, SavedList, SavedListLine


@dataclass(frozen=True)
class Wanted:
    product_id: int
    sku: str
    quantity: int
    previous_price: Decimal | None = None  # what the buyer paid last time, on a re-order


@dataclass
class CopyReport:
    added: list[tuple[str, int]] = field(default_factory=list)  # (SKU, quantity added)
    flagged: list[str] = field(default_factory=list)  # per line, what was not copied (or trimmed) and why
    notes: list[str] = field(default_factory=list)  # prices that changed, quantities rounded


def copy_into_cart(*, cart: Cart, wanted: list[Wanted], currency: str = "", today: date | None = None) -> CopyReport:
    """Re-order or a saved list: each line into the cart at today's price. Quantities are
    snapped to today's order rules; a line short of stock gets what there is; a line that cannot
    be ordered now (gone from the catalog, licence, no price, out of stock) is flagged with the
    reason (catalog.offers'). One transaction: all the copies or none."""
    company = cart.company
    report = CopyReport()
    merged: dict[int, Wanted] = {}
    for item in wanted:
        if item.product_id in merged:
            first = merged[item.product_id]
            item = Wanted(item.product_id, item.sku, first.quantity + item.quantity, first.previous_price)
        merged[item.product_id] = item
    products = {
        product.pk: product
        for product in visible_products(company).select_related("category").filter(pk__in=list(merged))
    }
    terms = OfferTerms.load(company=company, products=list(products.values()), on=today)
    in_cart = dict(CartLine.objects.filter(cart=cart).values_list("product_id", "quantity"))
    to_add: list[tuple[Product, int]] = []
    for item in merged.values():
        product = products.get(item.product_id)
        if product is None:
            report.flagged.append(for_sku(item.sku, refusal_text(Refusal.NOT_IN_ASSORTMENT, {})))
            continue
        quantity = _copied_quantity(item, product, report)
        already = in_cart.get(product.pk, 0)
        offer = terms.offer(product, already + quantity, snap=False)
        if offer.refusal is Refusal.OUT_OF_STOCK:
            room = largest_orderable_at_most(product, offer.available) - already
            if room <= 0:
                report.flagged.append(
                    for_sku(item.sku, offer.reason)
                    if not already
                    else _("%(sku)s: no more available than the %(already)s already in your cart.")
                    % {"sku": item.sku, "already": already}
                )
                continue
            report.flagged.append(
                _("%(sku)s: only %(room)s of %(quantity)s available now; added %(room)s.")
                % {"sku": item.sku, "room": room, "quantity": quantity}
            )
            quantity = room
            offer = terms.offer(product, already + quantity, snap=False)
        if offer.refusal:
            report.flagged.append(for_sku(item.sku, offer.reason))
            continue
        if item.previous_price is not None and offer.price.unit_price != item.previous_price:
            report.notes.append(
                _("%(sku)s is %(now)s now (it was %(before)s).")
                % {
                    "sku": item.sku,
                    "now": format_money(offer.price.unit_price, currency or offer.price.currency),
                    "before": format_money(item.previous_price, currency or offer.price.currency),
                }
            )
        to_add.append((product, quantity))
    with transaction.atomic():
        for product, quantity in to_add:
            added = services.add_to_cart(cart=cart, product=product, quantity=quantity)
            report.added.append((product.sku, quantity))
            if added.message:
                report.notes.append(added.message)
    return report


def _copied_quantity(item: Wanted, product: Product, report: CopyReport) -> int:
    """The line's quantity snapped to today's order rules, with a note if that changed it."""
    quantity = snapped(product, min(item.quantity, MAX_LINE_QUANTITY))
    if quantity != item.quantity:
        report.notes.append(
            _("%(sku)s: changed %(before)s to %(after)s to fit today's order rules.")
            % {"sku": item.sku, "before": item.quantity, "after": quantity}
        )
    return quantity


# --- Saved lists ------------------------------------------------------------------------------


class SavedListError(Exception):
    """A saved-list request that breaks a rule; the message is for the buyer."""


def save_cart_as_list(*, cart: Cart, user, name: str) -> SavedList:
    """A new shared list of the company holding the cart's lines."""
    lines = list(CartLine.objects.filter(cart=cart).values_list("product_id", "quantity"))
    if not lines:
        raise SavedListError(_("Your cart is empty; add products before saving it as a list."))
    try:
        with transaction.atomic():
            saved = SavedList.objects.create(company=cart.company, name=name.strip(), created_by=user)
            SavedListLine.objects.bulk_create(
                SavedListLine(saved_list=saved, product_id=product_id, quantity=quantity)
                for product_id, quantity in lines
            )
    except IntegrityError as error:
        # Two colleagues saving the same name at once: the constraint decides.
        raise SavedListError(_name_taken(name)) from error
    return saved


def rename_saved_list(*, saved_list: SavedList, name: str) -> SavedList:
    saved_list.name = name.strip()
    try:
        with transaction.atomic():
            saved_list.save(update_fields=["name", "updated_at"])
    except IntegrityError as error:
        raise SavedListError(_name_taken(name)) from error
    return saved_list


def delete_saved_list(*, saved_list: SavedList) -> None:
    saved_list.delete()


def _name_taken(name: str) -> str:
    return _("Your company already has a list called “%(name)s”; choose another name.") % {"name": name.strip()}


def saved_list_wanted(saved_list: SavedList) -> list[Wanted]:
    lines = saved_list.lines.select_related("product").order_by("pk")
    return [Wanted(line.product_id, line.product.sku, line.quantity) for line in lines]


def wanted_from_order(order) -> list[Wanted]:
    return [
        Wanted(line.product_id, line.sku, line.quantity, previous_price=line.unit_price)
        for line in order.lines.order_by("pk")
    ]
