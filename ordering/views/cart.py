"""The cart page, adding to the cart (htmx stepper or plain form) and changing a line."""

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import member_required
from catalog.models import Product, TemperatureZone
from catalog.offers import largest_orderable_at_most
from catalog.selectors import first_orderable_quantity, visible_products

from .. import services
from ..forms import AddToCartForm, CartLineForm, SavedListNameForm
from ..models import CartLine
from ..services import OrderingError, Quote, QuoteLine
from .common import _cart, _safe_next

# --- Cart -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CartRow:
    """A quote line with the quantities its stepper's − and + buttons set."""

    line: QuoteLine

    @property
    def product(self) -> Product:
        return self.line.product

    @property
    def quantity_up(self) -> int:
        return self.line.quantity + self.product.order_multiple

    @property
    def quantity_in_stock(self) -> int:
        """The largest quantity the rules allow within what is available, when the line holds more
        of a product that may not be backordered (the cart offers "Set to 148"); else 0."""
        line = self.line
        if line.product.allow_backorder or line.quantity <= line.available:
            return 0
        return largest_orderable_at_most(line.product, line.available)

    @property
    def quantity_down(self) -> int:
        """One multiple less, or 0 (remove) below the smallest quantity the rules allow."""
        down = self.line.quantity - self.product.order_multiple
        return down if down >= first_orderable_quantity(self.product) else 0


@dataclass(frozen=True)
class ZoneGroup:
    zone: str
    label: str
    rows: list[CartRow]


def _zone_groups(quote: Quote) -> list[ZoneGroup]:
    """Lines by temperature zone, frozen first: how they are picked, packed and delivered."""
    groups = []
    for zone, label in TemperatureZone.choices:
        rows = [CartRow(line) for line in quote.lines if line.product.temperature_zone == zone]
        if rows:
            groups.append(ZoneGroup(zone, label, rows))
    return groups


def _cart_context(request, cart, **extra) -> dict:
    quote = services.quote_cart(cart=cart)
    return {
        "cart": cart,
        "quote": quote,
        "groups": _zone_groups(quote),
        "problems": [line for line in quote.lines if line.problems],
        "save_form": extra.pop("save_form", None) or SavedListNameForm(company=request.membership.company),
        "cart_line_count": len(quote.lines),
        **extra,
    }


@member_required
def cart_view(request):
    return render(request, "ordering/cart.html", _cart_context(request, _cart(request)))


@require_POST
@member_required
def cart_add(request):
    """Add a product from the catalog (or anywhere): htmx gets the stepper back with what
    happened; without JavaScript, a message and back to where the buyer was."""
    form = AddToCartForm(request.POST)
    outcome = _add(request, form) if form.is_valid() else _Outcome(_form_errors(form))
    if request.htmx:
        return _stepper(request, form, outcome)
    getattr(messages, outcome.level)(request, outcome.text)
    return redirect(_safe_next(request, reverse("ordering:cart")))


@dataclass(frozen=True)
class _Outcome:
    text: str
    level: str = "error"
    product: Product | None = None
    line_count: int | None = None


def _form_errors(form) -> str:
    return " ".join(error for errors in form.errors.values() for error in errors)


def _add(request, form: AddToCartForm) -> _Outcome:
    company = request.membership.company
    try:
        product = services.get_orderable_product(company=company, product_id=form.cleaned_data["product_id"])
        added = services.add_to_own_cart(
            user=request.user, company=company, product=product, quantity=form.cleaned_data["quantity"]
        )
    except OrderingError as error:
        return _Outcome(str(error))
    snapped = added.snapped
    text = snapped.message or _("Added to your cart: %(sku)s, now %(quantity)s in your cart.") % {
        "sku": product.sku,
        "quantity": snapped.quantity,
    }
    return _Outcome(text, "warning" if snapped.message else "success", product, added.line_count)


def _stepper(request, form: AddToCartForm, outcome: _Outcome):
    """The add-to-cart stepper again, with what happened, and the navbar's count out of band."""
    company = request.membership.company
    product = outcome.product
    if product is None and form.is_valid():
        # Show the stepper again only for a product this company may see.
        product = visible_products(company).filter(pk=form.cleaned_data["product_id"]).first()
    line_count = outcome.line_count
    if line_count is None:
        line_count = CartLine.objects.filter(cart__user=request.user, cart__company=company).count()
    context = {
        "product": product,
        "quantity": request.POST.get("quantity", "")[:12],
        "first_quantity": first_orderable_quantity(product) if product else None,
        "outcome": outcome.text,
        "level": outcome.level,
        "next_url": _safe_next(request, ""),
        "cart_line_count": line_count,
        "oob": True,
    }
    return render(request, "ordering/partials/add_to_cart.html", context)


@require_POST
@member_required
def cart_line(request, product_id: int):
    """Change a line's quantity (0 removes it). A product outside the company's catalog is 404,
    unless it is already in this buyer's own cart (it left the catalog since): that line can
    still be removed."""
    cart = _cart(request)
    visible = visible_products(request.membership.company).values("pk")
    product = get_object_or_404(
        Product.objects.select_related("category").filter(
            Q(pk__in=visible) | Q(pk__in=CartLine.objects.filter(cart=cart).values("product_id"))
        ),
        pk=product_id,
    )
    form = CartLineForm(request.POST)
    outcome = (
        _set_line(cart, product, form.cleaned_data["quantity"]) if form.is_valid() else _Outcome(_form_errors(form))
    )
    if request.htmx:
        context = _cart_context(request, cart)
        # Said beside the line when it is still there, at the top when it was removed.
        on_line = any(line.product.pk == product.pk for line in context["quote"].lines)
        context["line_outcome"] = {
            "product_id": product.pk,
            "text": outcome.text,
            "level": outcome.level,
            "on_line": on_line,
        }
        return render(request, "ordering/partials/cart_body.html", context)
    getattr(messages, outcome.level)(request, outcome.text)
    return redirect("ordering:cart")


def _set_line(cart, product: Product, quantity: int) -> _Outcome:
    try:
        # Any quantity but 0 is refused, as adding it would be, for a product the company may
        # not order now (services.set_cart_quantity asks the one "may this be ordered" check).
        snapped = services.set_cart_quantity(cart=cart, product=product, quantity=quantity)
    except OrderingError as error:
        return _Outcome(str(error))
    if snapped is None:
        return _Outcome(_("Removed %(sku)s from your cart.") % {"sku": product.sku}, "success")
    if snapped.message:
        return _Outcome(snapped.message, "warning")
    return _Outcome(
        _("%(sku)s: quantity is now %(quantity)s.") % {"sku": product.sku, "quantity": snapped.quantity}, "success"
    )
