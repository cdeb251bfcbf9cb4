"""The demo's sales dashboard: product costs, then the rollups built from the seeded history.

Costs are derived from each product's list price (its first price break) by a fixed share per
top-level category, so margin differs by category and no random number is drawn (the earlier
steps' generators stay as they are). The seeded history already tells the dashboard's story:
Jade Garden (East China) started ordering in the last three months, so East China grows.
"""

from decimal import ROUND_HALF_UP, Decimal

from catalog.models import PriceList, PriceListEntry, Product
from portal.dashboards import rollups, stock_figures

from .people import SeedReport

# Cost as a share of the list price, by the product's top-level category.
COST_SHARES = {"frozen": Decimal("0.72"), "chilled": Decimal("0.68"), "ambient": Decimal("0.78")}
DEFAULT_COST_SHARE = Decimal("0.75")
CENT = Decimal("0.01")


def _cost_share(product: Product) -> Decimal:
    top = product.category.get_root() if product.category_id else None
    for prefix, share in COST_SHARES.items():
        if top is not None and top.slug.startswith(prefix):
            return share
    return DEFAULT_COST_SHARE


def seed_dashboards(report: SeedReport) -> None:
    list_prices = {}
    for entry in PriceListEntry.objects.filter(price_list__kind=PriceList.Kind.DEFAULT).order_by("-min_quantity"):
        list_prices[entry.product_id] = entry.unit_price  # the first break wins (read last)
    costed = []
    for product in Product.objects.select_related("category").order_by("sku"):
        price = list_prices.get(product.pk)
        if price is None:
            continue
        product.standard_cost = (price * _cost_share(product)).quantize(CENT, rounding=ROUND_HALF_UP)
        costed.append(product)
    Product.objects.bulk_update(costed, ["standard_cost"])
    rollups.rebuild()
    stock_figures.refresh()  # again: the values at cost changed with the standard costs
    report.insight.append("sales rollups built")
