"""Reads of the catalog that several views need: which products a company may see and order."""

from django.db.models import Exists, OuterRef, Q, QuerySet
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
