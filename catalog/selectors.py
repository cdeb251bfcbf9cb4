"""Reads of the catalog that several views need: which products a company may see and order."""

import uuid

from django.core.cache import cache
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import Company, Licence

from .models import Assortment, Category, Product


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


def valid_licence_kinds(company: Company, today=None) -> set[str]:
    today = today or timezone.localdate()
    return set(Licence.objects.filter(company=company, expires_on__gte=today).values_list("kind", flat=True))


def may_order_category(category: Category, licence_kinds: set[str]) -> bool:
    """Restricted categories need a valid licence on file (of the named kind, if one is named)."""
    if not category.restricted:
        return True
    if category.licence_kind:
        return category.licence_kind in licence_kinds
    return bool(licence_kinds)


def may_order_expression(company: Company, today=None) -> Case:
    """`may_order_category(product.category, valid_licence_kinds(company))` as SQL.

    Annotating a Product queryset with it tells a whole page of products whether the company may
    order each of them in the page's own query, instead of one more query for the licences.
    tests/catalog/test_views.py checks that both forms agree.
    """
    today = today or timezone.localdate()
    valid_licences = Licence.objects.filter(company=company, expires_on__gte=today)
    return Case(
        When(category__restricted=False, then=Value(True)),
        When(category__licence_kind="", then=Exists(valid_licences)),
        default=Exists(valid_licences.filter(kind=OuterRef("category__licence_kind"))),
        output_field=BooleanField(),
    )


def first_orderable_quantity(product: Product) -> int:
    """The smallest quantity the order rules allow: the minimum, rounded up to the order multiple."""
    multiple = product.order_multiple
    return -(-product.min_order_quantity // multiple) * multiple


# The category tree changes rarely and every catalog page shows it, so it is cached. A version
# key names the current copy; saving or deleting a category (catalog.signals) moves the key on,
# which orphans the old copy. treebeard's move() rewrites paths with UPDATEs that send no
# signal, so the copy also expires after CATEGORY_TREE_TIMEOUT seconds.
CATEGORY_TREE_VERSION_KEY = "catalog:category-tree:version"
CATEGORY_TREE_TIMEOUT = 10 * 60


def category_tree_version() -> str:
    """Changes whenever a category changes; part of every cache key built from the tree."""
    version = cache.get(CATEGORY_TREE_VERSION_KEY)
    if version is None:
        cache.add(CATEGORY_TREE_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(CATEGORY_TREE_VERSION_KEY)
    return version


def category_tree() -> list[Category]:
    """Every category in tree order (path), from the cache when it holds the current copy."""
    key = f"catalog:category-tree:{category_tree_version()}"
    tree = cache.get(key)
    if tree is None:
        tree = list(Category.objects.order_by("path"))
        cache.set(key, tree, CATEGORY_TREE_TIMEOUT)
    return tree


def forget_category_tree() -> None:
    cache.set(CATEGORY_TREE_VERSION_KEY, uuid.uuid4().hex, None)
