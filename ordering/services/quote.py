"""What placing a cart would cost and get now: each line's offer (catalog.offers), the totals
and the company's credit picture. The cart and checkout pages show it; placement re-quotes
under its locks."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.credit import account_for_reading
from accounts.models import Company, CreditAccount
from catalog import catch_weight
from catalog.models import Product
from catalog.offers import offers_for
from catalog.pricing import Price, PriceBook, price_book

from ..models import Cart
from .common import money


@dataclass
class QuoteLine:
    product: Product
    quantity: int
    price: Price | None
    available: int
    allocatable: int
    backorder: int
    line_total: Decimal = Decimal("0.00")
    tax_amount: Decimal = Decimal("0.00")
    problems: list[str] = field(default_factory=list)
    price_changed_from: Decimal | None = None

    @property
    def estimated_weight_kg(self) -> Decimal | None:
        """For a product charged by weight: what the line should weigh (its total is an estimate)."""
        if not self.product.catch_weight:
            return None
        return catch_weight.estimated_weight_kg(
            nominal_weight_kg=self.product.nominal_weight_kg, quantity=self.quantity
        )

    @property
    def availability_words(self) -> str:
        if self.allocatable == self.quantity:
            return _("Yes")
        if self.allocatable and self.backorder:
            return _("Partly: %(now)s now, %(later)s backordered") % {"now": self.allocatable, "later": self.backorder}
        return _("No: %(available)s available") % {"available": self.available}


@dataclass
class CreditPicture:
    limit: Decimal
    used: Decimal
    this_order: Decimal
    overdue: bool
    prepay: bool

    @classmethod
    def of(cls, company, account, *, this_order: Decimal = Decimal("0.00"), today) -> "CreditPicture":
        """The company's credit as checkout and the home page show it, before and after `this_order`."""
        return cls(
            limit=company.credit_limit,
            used=account.exposure,
            this_order=this_order,
            overdue=account.overdue_beyond_grace(grace_days=company.grace_days, today=today),
            prepay=company.prepaid,
        )

    @property
    def available_before(self) -> Decimal:
        return self.limit - self.used

    @property
    def available_after(self) -> Decimal:
        return self.limit - self.used - self.this_order

    @property
    def over(self) -> bool:
        return self.available_after < 0


@dataclass
class Quote:
    currency: str
    lines: list[QuoteLine]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    credit: CreditPicture
    # The prices it was computed from; placement reads the list prices of the approval rules here.
    price_book: PriceBook | None = field(default=None, repr=False)

    @property
    def estimated(self) -> bool:
        """Some line is charged by weight: the total is an estimate until the goods are weighed."""
        return any(line.product.catch_weight for line in self.lines)

    @property
    def can_place(self) -> bool:
        return bool(self.lines) and not any(line.problems for line in self.lines)


def _quote(
    *,
    company: Company,
    wanted: list[tuple[Product, int, Decimal | None]],
    credit_account: CreditAccount,
    today: date,
    check_stock: bool = True,
) -> Quote:
    """`check_stock=False` for placement only: it takes the stock from the locked lots
    (catalog.allocation.pick) and refuses a short line there, in the same words."""
    book = price_book(company=company, product_ids=[product.pk for product, _quantity, _seen in wanted], on=today)
    offers = offers_for(
        company=company,
        wanted=[(product, quantity) for product, quantity, _seen in wanted],
        on=today,
        book=book,
        check_stock=check_stock,
        snap=False,  # the cart's quantities, as the buyer sees them; the cart snapped them when added
    )
    lines = []
    for offer, (_product, _quantity, seen_price) in zip(offers, wanted, strict=True):
        line = QuoteLine(
            product=offer.product,
            quantity=offer.quantity,
            price=offer.price,
            available=offer.available,
            allocatable=offer.now,
            backorder=offer.backorder,
        )
        if offer.price is not None:
            # Charged by weight: the estimate (catalog.catch_weight); credit and approval use it.
            line.line_total = catch_weight.line_amount(
                product=offer.product, unit_price=offer.price.unit_price, quantity=offer.quantity
            )
            line.tax_amount = money(line.line_total * offer.product.tax_rate / 100)
            if seen_price is not None and seen_price != offer.price.unit_price:
                line.price_changed_from = seen_price
        if offer.refusal:
            line.problems.append(offer.reason)
        lines.append(line)
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    tax_total = sum((line.tax_amount for line in lines), Decimal("0.00"))
    credit = CreditPicture.of(company, credit_account, this_order=subtotal + tax_total, today=today)
    return Quote(company.currency, lines, subtotal, tax_total, subtotal + tax_total, credit, price_book=book)


def _cart_wanted(cart: Cart) -> list[tuple[Product, int, Decimal | None]]:
    # Nothing that quotes or places a cart reads the long texts of a product.
    lines = cart.lines.select_related("product__category").defer("product__description", "product__search_text")
    lines = lines.order_by("pk")
    return [(line.product, line.quantity, line.unit_price_when_added) for line in lines]


def quote_cart(*, cart: Cart, today: date | None = None) -> Quote:
    """What placing this cart now would cost and get, for the cart and checkout pages."""
    account = account_for_reading(cart.company)
    return _quote(
        company=cart.company, wanted=_cart_wanted(cart), credit_account=account, today=today or timezone.localdate()
    )
