"""Committing an import: the rows checked again inside one transaction, all written or none."""

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from kit.spreadsheets import SheetLayout, Table

from ..models import (
    PriceListEntry,
    Product,
)
from ..search import search_text_for
from ..selectors import forget_catalog
from ..services import StockError, receive_stock
from .checks import ImportRejected, Preview, _chunks, _PricePlan, _ProductPlan, check_import
from .sheets import PRICES, PRODUCTS, ImportOptions, RowError

# --- Committing -------------------------------------------------------------------------------


def commit_import(*, kind: SheetLayout, table: Table, options: ImportOptions, user) -> Preview:
    """Check the rows again and write them all in one transaction, or nothing."""
    try:
        with transaction.atomic():
            checked = check_import(kind=kind, table=table, options=options, lock=True)
            if checked.preview.has_errors:
                raise ImportRejected(checked.preview)
            if kind is PRODUCTS:
                _write_products(checked.plan)
            elif kind is PRICES:
                _write_prices(checked.plan, user=user)
            else:
                receive_stock(
                    receipts=checked.plan.receipts,
                    user=user,
                    reference=options.reference or _("Import %(file)s") % {"file": table.filename[:80]},
                )
    except StockError as error:
        raise ImportRejected(_whole_import_problem(kind, table, str(error))) from error
    except DatabaseError as error:
        # Someone saved the same product or price at the same moment, or the database refused a
        # value; the transaction is gone, so nothing of this import is saved.
        raise ImportRejected(
            _whole_import_problem(
                kind,
                table,
                _("The database refused the import, so nothing was saved. Upload the file again. (%(error)s)")
                % {"error": error},
            )
        ) from error
    return checked.preview


def _whole_import_problem(kind: SheetLayout, table: Table, message: str) -> Preview:
    preview = Preview(kind=kind.slug, columns=list(table.headers), rows=len(table.rows))
    preview.add_errors([RowError(None, "", message)])
    preview.finish()
    return preview


def _write_products(plan: _ProductPlan) -> None:
    # What Product.save() would do; bulk writes skip save().
    for product in (*plan.new, *plan.changed):
        product.search_text = search_text_for(product)
    Product.objects.bulk_create(plan.new, batch_size=1_000)
    if plan.changed:
        Product.objects.bulk_update(plan.changed, sorted(plan.fields | {"search_text"}), batch_size=500)
    forget_catalog()  # bulk writes send no post_save


def _write_prices(plan: _PricePlan, *, user=None) -> None:
    before = {
        (product_id, min_quantity): unit_price
        for product_id, min_quantity, unit_price in PriceListEntry.objects.filter(
            price_list_id=plan.price_list.pk
        ).values_list("product_id", "min_quantity", "unit_price")
    }
    # QuerySet.delete() sends post_delete for each row, so the audit trail records each removal
    # (simple-history's signal); outside a request it knows nobody, so the importer is named after.
    for chunk in _chunks(plan.remove_ids):
        PriceListEntry.objects.filter(pk__in=chunk).delete()
        if user is not None:
            PriceListEntry.history.filter(id__in=chunk, history_type="-", history_user=None).update(history_user=user)
    written = PriceListEntry.objects.bulk_create(
        [
            PriceListEntry(
                price_list_id=plan.price_list.pk, product_id=product_id, min_quantity=min_quantity, unit_price=price
            )
            for product_id, min_quantity, price in plan.upserts
        ],
        batch_size=2_000,
        update_conflicts=True,
        unique_fields=["price_list", "product", "min_quantity"],
        update_fields=["unit_price"],
    )
    _record_price_history(written, before=before, user=user)
    forget_catalog()  # bulk writes send no post_save


def _record_price_history(written: list[PriceListEntry], *, before: dict, user) -> None:
    """The audit trail of an import's prices: bulk writes send no signals, so the new prices and
    the changed ones are recorded here (with the importer as who); unchanged rows are not. The
    upsert gives back every row's primary key (PostgreSQL, SQLite ≥ 3.35)."""
    created = [entry for entry in written if (entry.product_id, entry.min_quantity) not in before]
    changed = [
        entry
        for entry in written
        if (key := (entry.product_id, entry.min_quantity)) in before and before[key] != entry.unit_price
    ]
    PriceListEntry.history.bulk_history_create(created, default_user=user, batch_size=2_000)
    PriceListEntry.history.bulk_history_create(changed, update=True, default_user=user, batch_size=2_000)
