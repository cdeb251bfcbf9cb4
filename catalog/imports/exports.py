"""Downloads in the columns the imports read: templates, products, a price list, an import's problems."""

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kit.spreadsheets import Download, SheetLayout, download

from ..models import (
    PriceList,
    PriceListEntry,
    Product,
)
from .checks import Preview
from .sheets import PRICES, PRODUCTS


def template_export(*, kind: SheetLayout, fmt: str) -> Download:
    """The heading row and one example row, to fill in."""
    example = [column.example for column in kind.columns]
    return download(f"{kind.slug}-template", fmt, kind.column_names, [example], str(kind.label))


def _product_row(product: Product) -> list:
    return [
        product.sku,
        product.name_en,
        product.name_zh,
        product.category.slug,
        product.sales_unit,
        product.units_per_case,
        product.unit_description,
        product.unit_description_zh,
        product.min_order_quantity,
        product.order_multiple,
        product.temperature_zone,
        product.shelf_life_days,
        product.lot_tracked,
        product.allow_backorder,
        product.tax_rate,
        product.catch_weight,
        product.nominal_weight_kg,
        product.weight_tolerance_percent,
        product.active,
        product.description,
        product.description_zh,
    ]


def product_export(*, fmt: str) -> Download:
    """Every product, in the columns the product import reads."""
    products = Product.objects.select_related("category").order_by("sku").iterator(chunk_size=2_000)
    stamp = timezone.localdate().isoformat()
    return download(
        f"products-{stamp}", fmt, PRODUCTS.column_names, (_product_row(p) for p in products), str(_("Products"))
    )


def price_list_export(*, price_list: PriceList, fmt: str) -> Download:
    """A price list's entries, in the columns the price import reads."""
    entries = (
        PriceListEntry.objects.filter(price_list=price_list)
        .order_by("product__sku", "min_quantity")
        .values_list("product__sku", "min_quantity", "unit_price")
    )
    slug = slugify(price_list.name)[:40]
    name = f"price-list-{price_list.pk}{'-' + slug if slug else ''}-{timezone.localdate().isoformat()}"
    rows = ([*entry] for entry in entries.iterator(2_000))
    return download(name, fmt, PRICES.column_names, rows, str(_("Prices")))


def errors_export(*, preview: Preview, fmt: str = "csv") -> Download:
    rows = ([error.row or "", error.column, error.message] for error in preview.errors)
    return download(f"{preview.kind}-import-problems", fmt, ["row", "column", "problem"], rows, str(_("Problems")))
