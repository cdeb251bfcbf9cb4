"""The customer catalog: what the active company may buy, at its prices, with its stock.

A list page finds which products match, and their count, in two queries; prices them with
catalog.pricing (one query) and checks their stock with catalog.stock (one query): the same
number of queries whatever the page size. All of it is cached under the versions of
catalog.selectors and catalog.stock, as are the category tree and the rendered cards
(catalog.cards), so a page whose catalog and stock have not changed runs none of them.
"""

import hashlib
import math
from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.access import member_required
from accounts.models import Company

from .cards import product_cards
from .models import Category, Product, TemperatureZone
from .offers import Refusal, licence_refusal, licences_on_file, refusal_text
from .pricing import Price, PriceBook, cached_price_book
from .search import normalise_query, search_filter
from .selectors import (
    CATALOG_CACHE_TIMEOUT,
    catalog_version,
    category_tree,
    category_tree_version,
    first_orderable_quantity,
    local_cache,
    products_by_id,
    remember_products,
    visible_products,
)
from .short_dated import ShortDated, short_dated_for
from .stock import Availability, availability_for, with_sellable_stock

PER_PAGE_CHOICES = (12, 24, 48)
DEFAULT_PER_PAGE = 24
SORT_CHOICES = [("name", _("Name A–Z")), ("sku", _("SKU")), ("newest", _("Newest first"))]
SORT_ORDER = {"name": ("name_en", "sku"), "sku": ("sku",), "newest": ("-pk",)}
MAX_QUERY_LENGTH = 100


class CatalogQueryForm(forms.Form):
    """The list's GET parameters.

    They come from links and bookmarks as much as from the form, so a value that does not
    validate is dropped and the page falls back to its default instead of showing an error.
    """

    q = forms.CharField(required=False, label=_("Search"))
    category = forms.SlugField(required=False, label=_("Category"))
    zone = forms.ChoiceField(
        required=False,
        label=_("Temperature zone"),
        choices=[("", _("All temperature zones")), *TemperatureZone.choices],
    )
    in_stock = forms.BooleanField(required=False, label=_("In stock only"))
    sort = forms.ChoiceField(required=False, label=_("Sort by"), choices=SORT_CHOICES)
    per_page = forms.TypedChoiceField(
        required=False,
        label=_("Per page"),
        coerce=int,
        choices=[(n, n) for n in PER_PAGE_CHOICES],
        empty_value=DEFAULT_PER_PAGE,
    )
    page = forms.IntegerField(required=False, min_value=1)


@dataclass(frozen=True)
class CatalogQuery:
    text: str
    category: Category | None
    zone: str
    in_stock: bool
    sort: str
    per_page: int
    page: int

    @property
    def filtered(self) -> bool:
        """Filters narrow the list beyond the search text (what "Clear filters" takes away)."""
        return bool(self.category or self.zone or self.in_stock)


def _parse_query(params, categories: list[Category]) -> CatalogQuery:
    form = CatalogQueryForm(params)
    form.is_valid()
    data = form.cleaned_data  # only the fields that validated
    slug = data.get("category") or ""
    return CatalogQuery(
        text=(data.get("q") or "")[:MAX_QUERY_LENGTH],
        category=next((node for node in categories if node.slug == slug), None) if slug else None,
        zone=data.get("zone") or "",
        in_stock=bool(data.get("in_stock")),
        sort=data.get("sort") or "name",
        per_page=data.get("per_page") or DEFAULT_PER_PAGE,
        page=data.get("page") or 1,
    )


def _catalog_products(company: Company) -> QuerySet[Product]:
    """What the company may see, with the categories that decide whether it may order each."""
    return visible_products(company).select_related("category").defer("search_text")


def _filtered(products: QuerySet[Product], query: CatalogQuery) -> QuerySet[Product]:
    # Every word must match somewhere: SKU, either name, pinyin or its initials.
    products = products.filter(search_filter(query.text))
    if query.category is not None:
        # A category includes its descendants: their materialised paths start with its path.
        products = products.filter(category__path__startswith=query.category.path)
    if query.zone:
        products = products.filter(temperature_zone=query.zone)
    return products.order_by(*SORT_ORDER[query.sort])


@dataclass(frozen=True)
class ResultsPage:
    number: int
    per_page: int
    count: int

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.count else 0

    @property
    def end_index(self) -> int:
        return min(self.number * self.per_page, self.count)


def _page_rows(matching: QuerySet[Product], query: CatalogQuery, number: int) -> tuple[list[Product], int]:
    """The products on page `number` (with their categories) and the total matching.

    The page picks its ids along the (active, name_en, sku) index in a subquery, so a deep page
    does not build and sort every matching product.
    """
    start = (number - 1) * query.per_page
    page_ids = matching.values("pk")[start : start + query.per_page]
    rows = (
        Product.objects.filter(pk__in=page_ids)
        .select_related("category")
        .defer("description", "search_text")
        .order_by(*SORT_ORDER[query.sort])
    )
    return list(rows), matching.order_by().count()


def _listing_cache_key(company: Company, query: CatalogQuery, number: int) -> str:
    # Which products a company sees depends on its assortments, its own or its tier's; they and
    # the products are covered by catalog_version().
    parts = [
        catalog_version(),
        company.pk,
        company.price_tier_id,
        normalise_query(query.text),
        query.category.pk if query.category else "",
        query.zone,
        query.sort,
        query.per_page,
        number,
    ]
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"catalog:listing:{digest}"


def _one_page(company: Company, query: CatalogQuery, number: int) -> tuple[list[Product], int]:
    """The products on page `number` and the total matching.

    Counting and paging through thousands of products costs more than everything else on the
    page, and the answer changes only with the catalog, so it is cached under
    catalog_version(), as are the products themselves.
    """
    if query.in_stock:
        # What is in stock changes with every order: counted and paged in the database each time.
        matching = with_sellable_stock(_filtered(visible_products(company), query), company=company)
        return _page_rows(matching, query, number)
    key = _listing_cache_key(company, query, number)
    listed = local_cache.get(key)
    if listed is None:
        rows, count = _page_rows(_filtered(visible_products(company), query), query, number)
        remember_products(rows)
        local_cache.set(key, ([product.pk for product in rows], count), CATALOG_CACHE_TIMEOUT)
    else:
        ids, count = listed
        rows = products_by_id(ids)
    return rows, count


def _page_of_products(company: Company, query: CatalogQuery) -> tuple[list[Product], ResultsPage]:
    per_page = query.per_page
    number = query.page
    rows, count = _one_page(company, query, number)
    if not rows and number > 1:
        # Beyond the last page (an old link after the catalog shrank): show the last page.
        number = max(1, math.ceil(count / per_page))
        rows, count = _one_page(company, query, number)
    return rows, ResultsPage(number, per_page, count)


@dataclass(frozen=True)
class PricePoint:
    quantity: int  # the price holds from this quantity up to the next point
    price: Price


@dataclass(frozen=True)
class ShelfOffer:
    """A product as the active company sees it: its prices, its stock, whether it may order it."""

    product: Product
    price_points: list[PricePoint]
    availability: Availability
    licence_reason: str = ""  # why the company may not order it for want of a licence (catalog.offers)
    short_dated: ShortDated | None = None  # an offer of short-dated lots to this company, with stock left

    @property
    def may_order(self) -> bool:
        return not self.licence_reason

    @property
    def sold_out(self) -> str:
        """What to say instead of the add button when nothing may be ordered now (no stock, and
        the product may not be backordered), in catalog.offers' words; else ""."""
        if self.availability.status != "out" or self.product.allow_backorder or self.short_dated:
            return ""
        return refusal_text(Refusal.OUT_OF_STOCK, {"available": self.availability.available})

    @property
    def first_quantity(self) -> int:
        """The smallest quantity the product's rules allow, where the stepper starts."""
        return first_orderable_quantity(self.product)

    @property
    def headline(self) -> PricePoint | None:
        """The price of the smallest order, shown first."""
        return self.price_points[0] if self.price_points else None

    @property
    def breaks(self) -> list[PricePoint]:
        """Larger quantities at which the unit price changes ("from 20: ¥38.00")."""
        return self.price_points[1:]

    @property
    def price_needs_larger_quantity(self) -> bool:
        """No list prices the smallest order; the first price starts at a larger quantity."""
        return self.headline is not None and self.headline.quantity > first_orderable_quantity(self.product)


def _price_points(book: PriceBook, product: Product) -> list[PricePoint]:
    """The company's unit price at the smallest quantity it may order, then at each larger
    quantity where that price changes."""
    first = first_orderable_quantity(product)
    quantities = [first] + [b.min_quantity for b in book.breaks(product.pk) if b.min_quantity > first]
    points: list[PricePoint] = []
    for quantity in quantities:
        price = book.price(product.pk, quantity)
        if price is not None and (not points or points[-1].price.unit_price != price.unit_price):
            points.append(PricePoint(quantity, price))
    return points


def _offers(company: Company, products: list[Product]) -> list[ShelfOffer]:
    book = cached_price_book(company=company, product_ids=[product.pk for product in products])
    availability = availability_for(company=company, products=products, cached=True)
    # Licences matter only for restricted products: most pages cost no licence read.
    licences = licences_on_file(company) if any(product.category.restricted for product in products) else ()
    today = timezone.localdate()
    short_dated = short_dated_for(company=company, product_ids=[product.pk for product in products], on=today)
    offers = []
    for product in products:
        refusal = licence_refusal(product.category, licences, today)
        points = _price_points(book, product)
        offer = short_dated.get(product.pk)
        offers.append(
            ShelfOffer(
                product=product,
                price_points=points,
                availability=availability[product.pk],
                licence_reason=refusal_text(*refusal) if refusal else "",
                # Shown beside the usual price while its lots have stock (catalog.offers prices it).
                short_dated=offer if offer and offer.free and points else None,
            )
        )
    return offers


def _nav_cache_key(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return f"{category_tree_version()}:{get_language()}:{params.urlencode()}"


@member_required
def product_list(request):
    company = request.membership.company
    categories = category_tree()
    query = _parse_query(request.GET, categories)
    rows, page = _page_of_products(company, query)
    offers = _offers(company, rows)
    context = {
        "query": query,
        "categories": categories,
        "page": page,
        "offers": offers,
        "cards": product_cards(request, offers),
        # The category navigation (156 links at scale, each keeping the search and filters) is
        # rendered once per tree version, language and set of filters, not on every request.
        "nav_cache_key": _nav_cache_key(request),
        "per_page_choices": PER_PAGE_CHOICES,
        "sort_choices": SORT_CHOICES,
        "zone_choices": TemperatureZone.choices,
        # htmx swaps only the results (search as you type, paging); a history restore after
        # the browser's back button needs the whole page.
        "partial": bool(request.htmx) and not request.htmx.history_restore_request,
    }
    template = "catalog/includes/results.html" if context["partial"] else "catalog/product_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _visible_product(company: Company, sku: str) -> Product:
    """The product with this SKU if the company may see it, else 404; kept under
    catalog_version() like the list's pages (the visibility test is costly to plan)."""
    sku_digest = hashlib.blake2b(sku.encode(), digest_size=12).hexdigest()  # any characters, fixed length
    key = f"catalog:detail:{catalog_version()}:{company.pk}:{company.price_tier_id}:{sku_digest}"
    product = local_cache.get(key)
    if product is None:
        product = _catalog_products(company).filter(sku=sku).first() or False
        local_cache.set(key, product, CATALOG_CACHE_TIMEOUT)
    if not product:
        raise Http404
    return product


@member_required
def product_detail(request, sku):
    company = request.membership.company
    product = _visible_product(company, sku)
    (offer,) = _offers(company, [product])
    path = product.category.path
    context = {
        "product": product,
        "offer": offer,
        "first_quantity": first_orderable_quantity(product),
        "category_trail": [node for node in category_tree() if path.startswith(node.path)],
    }
    return render(request, "catalog/product_detail.html", context)
