"""Words and numbers of the catalog screens: money with its currency, quantities with their unit,
the order rule in a sentence, and the colour of each badge."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog import catch_weight
from catalog.models import SalesUnit
from catalog.selectors import first_orderable_quantity
from kit.money import format_money

register = template.Library()

ZONE_BADGES = {"frozen": "text-bg-primary", "chilled": "text-bg-info", "ambient": "text-bg-light border"}
STOCK_BADGES = {"in_stock": "text-bg-success", "low": "text-bg-warning", "out": "text-bg-secondary"}
SOURCE_BADGES = {
    "contract": "text-bg-success",
    "tier": "text-bg-info",
    "default": "text-bg-light border",
    "offer": "text-bg-warning",
}


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """¥1,234.50: always the currency, always two decimals (kit.money)."""
    return format_money(amount, currency)


@register.filter
def unit_count(quantity: int, unit: str) -> str:
    """12 cases, 1 case, 5 kg: a quantity always says what it counts."""
    n = int(quantity)
    match unit:
        case SalesUnit.CASE:
            text = ngettext("%(count)s case", "%(count)s cases", n)
        case SalesUnit.CARTON:
            text = ngettext("%(count)s carton", "%(count)s cartons", n)
        case SalesUnit.KG:
            text = ngettext("%(count)s kg", "%(count)s kg", n)
        case SalesUnit.PIECE:
            text = ngettext("%(count)s piece", "%(count)s pieces", n)
        case SalesUnit.BAG:
            text = ngettext("%(count)s bag", "%(count)s bags", n)
        case SalesUnit.BOTTLE:
            text = ngettext("%(count)s bottle", "%(count)s bottles", n)
        case _:
            text = "%(count)s " + str(unit)
    return text % {"count": n}


@register.filter
def kg(weight: Decimal | None) -> str:
    """A weight to the gram with its unit: "10.25 kg" (catalog.catch_weight.format_kg)."""
    if weight is None:
        return ""
    return _("%(weight)s kg") % {"weight": catch_weight.format_kg(weight)}


@register.simple_tag
def catch_estimate(product, quantity, price_per_kg: Decimal, currency: str) -> str:
    """What `quantity` units of a product charged by weight should weigh and cost:
    "about 10.0 kg, about ¥480.00". Empty for a product sold by the unit."""
    if not getattr(product, "catch_weight", False) or price_per_kg is None or not quantity:
        return ""
    nominal = product.nominal_weight_kg
    return _("about %(weight)s, about %(amount)s") % {
        "weight": kg(catch_weight.estimated_weight_kg(nominal_weight_kg=nominal, quantity=int(quantity))),
        "amount": format_money(
            catch_weight.estimated_amount(nominal_weight_kg=nominal, quantity=int(quantity), price_per_kg=price_per_kg),
            currency,
        ),
    }


@register.filter
def quantity_rule(product) -> str:
    """The order rule in a sentence: "Sold in multiples of 6 cases, minimum 12 cases"."""
    unit = product.sales_unit
    minimum = first_orderable_quantity(product)
    multiple = product.order_multiple
    if multiple > 1 and minimum > multiple:
        return _("Sold in multiples of %(multiple)s, minimum %(minimum)s") % {
            "multiple": unit_count(multiple, unit),
            "minimum": unit_count(minimum, unit),
        }
    if multiple > 1:
        return _("Sold in multiples of %(multiple)s") % {"multiple": unit_count(multiple, unit)}
    if minimum > 1:
        return _("Minimum order %(minimum)s") % {"minimum": unit_count(minimum, unit)}
    return _("Sold per %(unit)s") % {"unit": product.get_sales_unit_display()}


@register.filter
def pack_info(product) -> str:
    """What one sales unit holds: "case of 10 · 10 × 1 kg bags"; empty when there is nothing
    to say beyond the unit itself (which the quantity rule names)."""
    parts = []
    if product.units_per_case > 1:
        parts.append(
            _("%(unit)s of %(count)s") % {"unit": product.get_sales_unit_display(), "count": product.units_per_case}
        )
    if product.local_unit_description:
        parts.append(product.local_unit_description)
    return " · ".join(parts)


@register.filter
def days(count: int) -> str:
    return ngettext("%(count)s day", "%(count)s days", count) % {"count": count}


@register.filter
def tree_indent(depth: int) -> str:
    """Dashes that show a category's depth where only text can (a select's options)."""
    return "– " * (depth - 1)


@register.filter
def zone_badge(zone: str) -> str:
    return ZONE_BADGES.get(zone, "text-bg-light border")


@register.filter
def stock_badge(status: str) -> str:
    return STOCK_BADGES.get(status, "text-bg-secondary")


@register.filter
def source_badge(source: str) -> str:
    return SOURCE_BADGES.get(source, "text-bg-light border")
