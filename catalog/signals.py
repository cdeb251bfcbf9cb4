"""Receivers that keep cached catalog reads current; connected in CatalogConfig.ready()."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Category
from .selectors import forget_category_tree


@receiver(post_save, sender=Category, dispatch_uid="catalog.forget_category_tree.save")
@receiver(post_delete, sender=Category, dispatch_uid="catalog.forget_category_tree.delete")
def category_changed(sender, **kwargs):
    forget_category_tree()
