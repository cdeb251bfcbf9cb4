"""Dropping entries of the shared cache when the rows behind them change."""

from django.core.cache import cache
from django.db import transaction


def forget_now_and_on_commit(keys: list[str]) -> None:
    """Delete these keys now, so the changing transaction's own reads see the change, and again
    on commit, because another request may read the old rows before the commit and cache them."""
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
