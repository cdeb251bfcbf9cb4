"""Catch weight: goods ordered per sales unit (a piece, a case) but charged per kilogram.

The one home of its arithmetic (DOMAIN.md, "Catch weight"). For a product with
`Product.catch_weight`, the price-list unit price (catalog.pricing, unchanged) IS the price per
kg. A line's estimate is quantity × nominal kg per unit × price per kg; what the invoice uses is
the weighed kg × price per kg. Weights are kept to the gram (three decimals), amounts are rounded
half-up to the cent once, at the end. A weighed pick further from its nominal weight than the
product's tolerance is flagged (accepted, but shown to the warehouse and on the shipment).
"""

from decimal import ROUND_HALF_UP, Decimal

GRAM = Decimal("0.001")
CENT = Decimal("0.01")


def kilograms(value) -> Decimal:
    """A weight to the gram, half-up."""
    return Decimal(value).quantize(GRAM, rounding=ROUND_HALF_UP)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def estimated_weight_kg(*, nominal_weight_kg: Decimal, quantity: int) -> Decimal:
    """What `quantity` sales units should weigh."""
    return kilograms(nominal_weight_kg * quantity)


def weighed_amount(*, weight_kg: Decimal, price_per_kg: Decimal) -> Decimal:
    """What `weight_kg` costs at `price_per_kg`, to the cent."""
    return cents(kilograms(weight_kg) * price_per_kg)


def estimated_amount(*, nominal_weight_kg: Decimal, quantity: int, price_per_kg: Decimal) -> Decimal:
    """The estimate of a line: quantity × nominal kg × price per kg, to the cent."""
    return weighed_amount(
        weight_kg=estimated_weight_kg(nominal_weight_kg=nominal_weight_kg, quantity=quantity), price_per_kg=price_per_kg
    )


def line_amount(*, product, unit_price: Decimal, quantity: int) -> Decimal:
    """A line's amount before tax: the estimate for a catch-weight product, else unit price × quantity."""
    if product.catch_weight:
        return estimated_amount(nominal_weight_kg=product.nominal_weight_kg, quantity=quantity, price_per_kg=unit_price)
    return cents(unit_price * quantity)


def out_of_tolerance(*, weight_kg: Decimal, expected_kg: Decimal, tolerance_percent: Decimal) -> bool:
    """Whether a weighed amount lies further from what it should weigh than the tolerance allows."""
    if not expected_kg:
        return False
    return abs(weight_kg - expected_kg) * 100 > expected_kg * tolerance_percent


def format_kg(value: Decimal) -> str:
    """A weight for people: at least one decimal, at most three ("10.0", "10.25", "2.125")."""
    value = kilograms(value)
    text = f"{value:f}".rstrip("0")
    if text.endswith("."):
        text += "0"
    return text
