"""The buyer's cart: adding, changing and removing lines.

A line's quantity is snapped to the product's minimum and multiple (catalog.offers); the price
noted on the line is only for showing a change later: placing the order prices again.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Company
from catalog.models import Product
from catalog.offers import (
    QuantityError,
    Refusal,
    SnappedQuantity,
    for_sku,
    largest_orderable_at_most,
    licence_refusal,
    licences_on_file,
    refusal_text,
    snap_quantity,
    stock_refusal,
)
from catalog.pricing import cached_price_book, price_book
from catalog.selectors import visible_product, visible_products
from catalog.stock import availability_for

from ..models import Cart, CartLine
from .common import OrderingError


def _snap(product: Product, quantity: int) -> SnappedQuantity:
    try:
        return snap_quantity(product, quantity)
    except QuantityError as error:
        raise OrderingError(str(error)) from error


def get_orderable_product(*, company: Company, sku: str = "", product_id: int | None = None) -> Product:
    """A product this company may see and order, or OrderingError naming why not (another
    company's assortment is 'not found'). The reasons and their words are catalog.offers'."""
    if product_id:
        product = visible_product(company, product_id)  # cached, shared: not to be changed
    else:
        product = visible_products(company).select_related("category").filter(sku__iexact=sku.strip()).first()
    if product is None:
        raise OrderingError(_("%(sku)s was not found in your catalog.") % {"sku": sku or product_id})
    # Licences are looked up only for restricted products: most adds cost no licence query.
    if product.category.restricted:
        refusal = licence_refusal(product.category, licences_on_file(company), timezone.localdate())
        if refusal:
            raise OrderingError(for_sku(product.sku, refusal_text(*refusal)))
    return product


def cart_for(*, user, company: Company) -> Cart:
    cart, _created = Cart.objects.get_or_create(user=user, company=company)
    return cart


def add_to_cart(*, cart: Cart, product: Product, quantity: int) -> SnappedQuantity:
    """Add to the line of this product (or start one), snapped to the product's rule."""
    seen = _line_quantity(cart.pk, product.pk)
    return _add_line(cart_id=cart.pk, company=cart.company, product=product, quantity=quantity, seen=seen)


@dataclass(frozen=True)
class CartAdd:
    snapped: SnappedQuantity
    line_count: int  # the cart's lines after the add (the navbar's badge)


def add_to_own_cart(*, user, company: Company, product: Product, quantity: int) -> CartAdd:
    """add_to_cart() for a person's own cart, which is read with its line count and this
    product's line in one statement: the catalog's add button costs two statements in all."""
    cart_line, cart = (connection.ops.quote_name(model._meta.db_table) for model in (CartLine, Cart))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cart.id, (SELECT COUNT(*) FROM {cart_line} WHERE cart_id = cart.id), "
            f"(SELECT quantity FROM {cart_line} WHERE cart_id = cart.id AND product_id = %s) "
            f"FROM {cart} AS cart WHERE cart.user_id = %s AND cart.company_id = %s",
            [product.pk, user.pk, company.pk],
        )
        row = cursor.fetchone()
    if row is None:
        cart_id, line_count, seen = cart_for(user=user, company=company).pk, 0, None
    else:
        cart_id, line_count, seen = row
    snapped = _add_line(cart_id=cart_id, company=company, product=product, quantity=quantity, seen=seen)
    # The product's line is there now, whether this add started it or a simultaneous one did.
    return CartAdd(snapped, line_count + (seen is None))


def _add_line(*, cart_id: int, company: Company, product: Product, quantity: int, seen: int | None) -> SnappedQuantity:
    """Add `quantity` to the product's line, which held `seen` (None: no line) when read.

    No lock and no transaction of its own: the line is written only if it is still as it was
    read (the UPDATE names the quantity it saw; the INSERT does nothing if a line of the product
    appeared), and an add of the same product at the same moment (a double click) makes it read
    again, so both adds count. Both statements are SQL: the ORM takes longer to build them than
    the database takes to run them, and this is the busiest write there is.
    """
    # The price noted on the line is for showing changes later; placing the order prices again.
    book = cached_price_book(company=company, product_ids=[product.pk])
    # The stock as the catalog shows it (cached): an add never holds more than is there for a
    # product that may not be backordered; checkout checks the lots themselves, under locks.
    available = availability_for(company=company, products=[product], cached=True)[product.pk].available
    for _attempt in range(3):
        snapped = _within_stock(product, _snap(product, quantity + (seen or 0)), available, seen or 0)
        price = book.price(product.pk, snapped.quantity)
        if price is None:
            raise OrderingError(for_sku(product.sku, refusal_text(Refusal.NO_PRICE, {})))
        # The price the buyer sees for the new quantity (a quantity break may change it) is the
        # one a later "price changed since you added it" note compares with.
        if seen is None:
            if _insert_line(cart_id, product.pk, snapped.quantity, price.unit_price):
                return snapped
        elif _update_line(cart_id, product.pk, seen, snapped.quantity, price.unit_price):
            return snapped
        seen = _line_quantity(cart_id, product.pk)
    raise OrderingError(_("Your cart changed while adding %(sku)s; please add it again.") % {"sku": product.sku})


def _within_stock(product: Product, snapped: SnappedQuantity, available: int, held: int) -> SnappedQuantity:
    """The line's new quantity, capped to what is available now (catalog.offers decides what is
    out of stock); OrderingError if not even one more step fits beside the `held` already there."""
    refusal = stock_refusal(product, snapped.quantity, available)
    if refusal is None:
        return snapped
    room = largest_orderable_at_most(product, available)
    if room <= held:
        message = for_sku(product.sku, refusal_text(*refusal))
        if held:
            message += " " + _("Your cart already holds %(quantity)s.") % {"quantity": held}
        raise OrderingError(message)
    return SnappedQuantity(
        room,
        _("%(sku)s: only %(available)s available now, so your cart holds %(quantity)s.")
        % {"sku": product.sku, "available": available, "quantity": room},
    )


def _insert_line(cart_id: int, product_id: int, quantity: int, unit_price: Decimal) -> bool:
    """Start the product's line; False if one appeared meanwhile. ON CONFLICT DO NOTHING
    (PostgreSQL, SQLite) leaves it to the next attempt, without an error that would spoil a
    surrounding transaction (a quick order adds its lines in one)."""
    added_at = connection.ops.adapt_datetimefield_value(timezone.now())
    return _wrote_one_line(
        "INSERT INTO {table} (cart_id, product_id, quantity, unit_price_when_added, added_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (cart_id, product_id) DO NOTHING",
        [cart_id, product_id, quantity, unit_price, added_at],
    )


def _update_line(cart_id: int, product_id: int, seen: int, quantity: int, unit_price: Decimal) -> bool:
    """Set the line's quantity if it still holds `seen`."""
    return _wrote_one_line(
        "UPDATE {table} SET quantity = %s, unit_price_when_added = %s "
        "WHERE cart_id = %s AND product_id = %s AND quantity = %s",
        [quantity, unit_price, cart_id, product_id, seen],
    )


def _wrote_one_line(sql: str, params: list) -> bool:
    """Run a statement on the cart line table; whether it wrote a row."""
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(CartLine._meta.db_table)), params)
        return cursor.rowcount == 1


def _line_quantity(cart_id: int, product_id: int) -> int | None:
    return CartLine.objects.filter(cart_id=cart_id, product_id=product_id).values_list("quantity", flat=True).first()


def set_cart_quantity(*, cart: Cart, product: Product, quantity: int) -> SnappedQuantity | None:
    """Set a line's quantity; 0 removes it. Any other quantity is refused, as adding it would
    be, for a product the company may not order now (it left the catalog, or needs a licence)."""
    if quantity == 0:
        remove_from_cart(cart=cart, product=product)
        return None
    get_orderable_product(company=cart.company, sku=product.sku)
    available = availability_for(company=cart.company, products=[product], cached=True)[product.pk].available
    snapped = _within_stock(product, _snap(product, quantity), available, 0)
    price = price_book(company=cart.company, product_ids=[product.pk]).price(product.pk, snapped.quantity)
    updated = CartLine.objects.filter(cart=cart, product=product).update(
        quantity=snapped.quantity, unit_price_when_added=price.unit_price if price else None
    )
    if not updated:
        return add_to_cart(cart=cart, product=product, quantity=quantity)
    return snapped


def remove_from_cart(*, cart: Cart, product: Product) -> None:
    CartLine.objects.filter(cart=cart, product=product).delete()
