"""Receivers that keep cached catalog reads current; connected in CatalogConfig.ready().

Saving or deleting a price-list entry by any path (the ORM, the back office, a future API) moves
the catalog version like saving its list does. Imports write entries with bulk_create, which
sends no signal, and call forget_catalog() once themselves.

`stock_received` is the one signal catalog offers higher apps: sent once a receipt has committed,
with the ids of the products it brought in (`product_ids`), so fulfilment fills backorders
without catalog knowing about orders.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver

from accounts.models import Licence

from .models import Assortment, Category, Lot, PriceList, PriceListEntry, Product
from .offers import forget_licences
from .selectors import forget_catalog, forget_category_tree
from .stock import forget_stock

stock_received = Signal()  # product_ids: set[int]; sent on commit by catalog.services.receive_stock


@receiver(post_save, sender=Category, dispatch_uid="catalog.forget_category_tree.save")
@receiver(post_delete, sender=Category, dispatch_uid="catalog.forget_category_tree.delete")
def category_changed(sender, **kwargs):
    forget_category_tree()


@receiver(post_save, sender=Product, dispatch_uid="catalog.forget_catalog.product_save")
@receiver(post_delete, sender=Product, dispatch_uid="catalog.forget_catalog.product_delete")
@receiver(post_save, sender=Assortment, dispatch_uid="catalog.forget_catalog.assortment_save")
@receiver(post_delete, sender=Assortment, dispatch_uid="catalog.forget_catalog.assortment_delete")
@receiver(post_save, sender=PriceList, dispatch_uid="catalog.forget_catalog.price_list_save")
@receiver(post_delete, sender=PriceList, dispatch_uid="catalog.forget_catalog.price_list_delete")
@receiver(post_save, sender=PriceListEntry, dispatch_uid="catalog.forget_catalog.entry_save")
@receiver(post_delete, sender=PriceListEntry, dispatch_uid="catalog.forget_catalog.entry_delete")
@receiver(m2m_changed, sender=Assortment.products.through, dispatch_uid="catalog.forget_catalog.products")
@receiver(m2m_changed, sender=Assortment.companies.through, dispatch_uid="catalog.forget_catalog.companies")
@receiver(m2m_changed, sender=Assortment.price_tiers.through, dispatch_uid="catalog.forget_catalog.tiers")
def catalog_changed(sender, **kwargs):
    forget_catalog()


@receiver(post_save, sender=Licence, dispatch_uid="catalog.forget_licences.save")
@receiver(post_delete, sender=Licence, dispatch_uid="catalog.forget_licences.delete")
def licence_changed(sender, instance, **kwargs):
    forget_licences(instance.company_id)


# Stock moves and allocations change lots with UPDATEs and call forget_stock() themselves.
@receiver(post_save, sender=Lot, dispatch_uid="catalog.forget_stock.lot_save")
@receiver(post_delete, sender=Lot, dispatch_uid="catalog.forget_stock.lot_delete")
def lot_changed(sender, instance, **kwargs):
    forget_stock([instance.product_id])
