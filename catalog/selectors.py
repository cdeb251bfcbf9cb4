"""Reads of the catalog that several views need: which products a company may see and order, and
which price lists and assortments a staff user may see."""

import time
import uuid

from django.core.cache import cache, caches
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.connection import ConnectionProxy

from accounts.models import Company
from accounts.selectors import companies_for_staff, sees_all_companies

from .models import Assortment, Category, PriceList, Product


def assortments_for(company: Company) -> QuerySet[Assortment]:
    owner = Q(companies=company)
    if company.price_tier_id is not None:
        owner |= Q(price_tiers=company.price_tier_id)
    return Assortment.objects.filter(owner)


def visible_products(company: Company) -> QuerySet[Product]:
    """Active products in the company's assortments, or every active product if it has none.

    One query when evaluated: the assortment test is a subquery.
    """
    products = Product.objects.filter(active=True)
    has_assortment = assortments_for(company)
    in_assortment = Exists(has_assortment.filter(products=OuterRef("pk")))
    return products.filter(Q(in_assortment) | ~Exists(has_assortment))


def first_orderable_quantity(product: Product) -> int:
    """The smallest quantity the order rules allow: the minimum, rounded up to the order multiple."""
    multiple = product.order_multiple
    return -(-product.min_order_quantity // multiple) * multiple


# Cached catalog reads carry a version in their keys. Bumping a version names new keys, which
# orphans every old copy at once; the copies also expire after CATALOG_CACHE_TIMEOUT seconds,
# for changes that send no signal (treebeard's move() rewrites paths with plain UPDATEs).
# catalog.signals bumps them; bulk writes that skip signals (catalog.imports) call the
# forget_* functions themselves.
#
# The versions live in the shared cache; the copies they name live in each process's own
# (settings.CACHES["local"]): a copy under a version is never out of date, so it need not be
# shared, and reading it costs no network round trip. Products and price books, which cost a
# query each to build and are asked for one at a time by the add button, are also kept in the
# shared cache: one process's query spares every other process its own.
local_cache = ConnectionProxy(caches, "local")
CATEGORY_TREE_VERSION_KEY = "catalog:category-tree:version"
CATALOG_VERSION_KEY = "catalog:products:version"
CATALOG_CACHE_TIMEOUT = 10 * 60


# What this process last read of each version, and when. A page asks for the versions several
# times; reading them from the shared cache at most once a second keeps those asks off the
# network, at the price of another process serving the previous version for up to that second.
VERSION_MEMO_SECONDS = 1.0
_versions_seen: dict[str, tuple[float, str]] = {}


def _version(key: str) -> str:
    now = time.monotonic()
    seen = _versions_seen.get(key)
    if seen is not None and now - seen[0] < VERSION_MEMO_SECONDS:
        return seen[1]
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)
        version = cache.get(key)
    _versions_seen[key] = (now, version)
    return version


def category_tree_version() -> str:
    """Changes whenever a category changes; part of every cache key built from the tree."""
    return _version(CATEGORY_TREE_VERSION_KEY)


def catalog_version() -> str:
    """Changes whenever a product, an assortment, a category or a price list changes: part of
    the key of every cached read of which products a company sees, at what prices, and what
    their cards show."""
    return _version(CATALOG_VERSION_KEY)


# This process's copy of the current tree, kept unpickled: 150 categories on every page.
_tree_in_process: dict[str, list[Category]] = {}


def category_tree() -> list[Category]:
    """Every category in tree order (path), from the cache when it holds the current copy."""
    version = category_tree_version()
    tree = _tree_in_process.get(version)
    if tree is not None:
        return tree
    tree = list(Category.objects.order_by("path"))
    _tree_in_process.clear()
    _tree_in_process[version] = tree
    return tree


# This process's copies of products under the current catalog version, kept unpickled: a page
# reads two dozen. Bounded: started afresh when it holds more than PRODUCTS_IN_PROCESS. The
# copies are shared by every request of the process, so nobody may change them.
PRODUCTS_IN_PROCESS = 5_000
_products_in_process: dict[str, dict[int, Product]] = {}


def _current_products(version: str) -> dict[int, Product]:
    products = _products_in_process.get(version)
    if products is None or len(products) > PRODUCTS_IN_PROCESS:
        _products_in_process.clear()
        products = _products_in_process[version] = {}
    return products


def _product_key(version: str, product_id: int) -> str:
    return f"catalog:product:{version}:{product_id}"


def remember_products(products: list[Product]) -> None:
    """Keep these products (loaded as products_by_id() loads them) for products_by_id()."""
    version = catalog_version()
    _current_products(version).update((product.pk, product) for product in products)
    cache.set_many({_product_key(version, product.pk): product for product in products}, CATALOG_CACHE_TIMEOUT)


def products_by_id(ids: list[int]) -> list[Product]:
    """The active products with these ids, in this order, with their categories: from this
    process's copies of the current catalog version, then the shared cache's, one query for
    the rest.

    Only what a product card and the page show is loaded (no description, no search text).
    The products returned are shared: read them, do not change them.
    """
    version = catalog_version()
    known = _current_products(version)
    missing = [pk for pk in ids if pk not in known]
    if missing:
        shared = cache.get_many([_product_key(version, pk) for pk in missing])
        known.update((product.pk, product) for product in shared.values())
        missing = [pk for pk in missing if pk not in known]
    if missing:
        loaded = Product.objects.filter(pk__in=missing, active=True).select_related("category").order_by()
        loaded = list(loaded.defer("description", "search_text"))
        known.update((product.pk, product) for product in loaded)
        cache.set_many({_product_key(version, product.pk): product for product in loaded}, CATALOG_CACHE_TIMEOUT)
    return [known[pk] for pk in ids if pk in known]


def assortment_ids(company: Company) -> list[int]:
    """The company's assortments, its own and its tier's (none: it sees every active product),
    kept under catalog_version()."""
    key = f"catalog:assortments:{catalog_version()}:{company.pk}:{company.price_tier_id}"
    ids = local_cache.get(key)
    if ids is None:
        ids = list(assortments_for(company).values_list("pk", flat=True).distinct())
        local_cache.set(key, ids, CATALOG_CACHE_TIMEOUT)
    return ids


def visible_product(company: Company, product_id: int) -> Product | None:
    """The active product with this id if the company may see it, else None, as
    products_by_id() loads it and shared like it: read it, do not change it.

    For a company without assortments that is no query once the product is cached; with
    assortments, one small one.
    """
    found = products_by_id([product_id])
    if not found:
        return None
    ids = assortment_ids(company)
    if ids and not Assortment.products.through.objects.filter(assortment_id__in=ids, product_id=product_id).exists():
        return None
    return found[0]


def _forget(key: str) -> None:
    version = uuid.uuid4().hex
    cache.set(key, version, None)
    _versions_seen[key] = (time.monotonic(), version)


def _forget_now_and_on_commit(*keys: str) -> None:
    # Now, so that the changing transaction's own reads see the change; again on commit,
    # because another request may read the old rows before the commit and cache them under the
    # version bumped now.
    def forget():
        for key in keys:
            _forget(key)

    forget()
    transaction.on_commit(forget)


def forget_catalog() -> None:
    """Products, assortments or prices changed: every cached page, card and price is out of date."""
    _forget_now_and_on_commit(CATALOG_VERSION_KEY)


def forget_category_tree() -> None:
    """A category changed: its tree, and the product pages filtered by it, are out of date."""
    _forget_now_and_on_commit(CATEGORY_TREE_VERSION_KEY, CATALOG_VERSION_KEY)


# --- What a staff user may see ------------------------------------------------------------------
# A contract price list or a customer's own assortment belongs to that customer, so it is seen by
# the staff who see the customer (`accounts.selectors.companies_for_staff`: a sales rep only their
# own customers); tier and default lists, and assortments of price tiers, are everyone's.


def price_lists_for_staff(user) -> QuerySet[PriceList]:
    """Every tier and default list, and the contract lists of the customers the user sees."""
    price_lists = PriceList.objects.all()
    if sees_all_companies(user):
        return price_lists
    # The database ties kind to owner: a contract list always has a company, the others never.
    return price_lists.filter(Q(company__isnull=True) | Q(company__in=companies_for_staff(user).values("pk")))


def assortments_for_staff(user) -> QuerySet[Assortment]:
    """Assortments of price tiers or of nobody, and those of the customers the user sees."""
    assortments = Assortment.objects.all()
    if sees_all_companies(user):
        return assortments
    links = Assortment.companies.through.objects.filter(assortment=OuterRef("pk"))
    for_a_tier = Exists(Assortment.price_tiers.through.objects.filter(assortment=OuterRef("pk")))
    for_their_customer = Exists(links.filter(company__in=companies_for_staff(user).values("pk")))
    return assortments.filter(for_a_tier | ~Exists(links) | for_their_customer)


def assortment_companies_for_staff(user, assortment: Assortment) -> QuerySet[Company]:
    """The companies of an assortment that the user may see (a tier's assortment may also name
    another rep's customers: those stay out of sight)."""
    return companies_for_staff(user).filter(assortments=assortment).order_by("display_name")
