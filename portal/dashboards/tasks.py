"""The dashboards' background work: keeping the sales rollups up to date (rollups.py) and the
stock figures fresh (stock_figures.refresh)."""

from datetime import date

from django_tasks import task

from . import rollups, stock_figures


@task()
def recompute_sales_day(company_id: int, day: str) -> None:
    """Recompute one company's day (an ISO date) after an order, invoice or payment in it."""
    rollups.recompute_day(company_id=company_id, day=date.fromisoformat(day))


@task()
def rebuild_sales_rollups() -> None:
    """The nightly reconcile: every rollup row recomputed from the base tables."""
    rollups.rebuild()


@task()
def refresh_stock_figures() -> None:
    """The stock dashboard's per-product figures recomputed (every ten minutes)."""
    stock_figures.refresh()
