"""The ledger summed per company, currency and month (`MonthlyRollup`), and what the finance
dashboard reads from it.

`record` is called by `billing.services.ledger` for every entry it books, in the same transaction
and under the company's books lock, so the rollup always equals the sum of the entries: one
statement adds the entry to its month's row (created with the previous month's closing balance)
and to the closing balance of every later month. `rebuild` writes the whole table again from the
entries (`manage.py rebuild_billing_rollup`; bench data loaded with COPY).

Which column an entry counts in: an invoice in `invoiced`; a credit note in `credited`; a payment,
less refunds and reversals, in `collected`; a write-off in `written_off`. So a month's movement is
invoiced − credited − collected − written off, and `closing_balance` is the running sum of it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import QuerySet, Sum

from accounts.models import Company

from .models import ZERO, LedgerEntry, MonthlyRollup

# Each kind's column; the entry's amount is added with this sign (entries are signed from the
# distributor's side: what the customer owes more is positive).
COLUMN_OF_KIND = {
    LedgerEntry.Kind.INVOICE: ("invoiced", 1),
    LedgerEntry.Kind.CREDIT_NOTE: ("credited", -1),
    LedgerEntry.Kind.PAYMENT: ("collected", -1),
    LedgerEntry.Kind.REFUND: ("collected", -1),
    LedgerEntry.Kind.REVERSAL: ("collected", -1),
    LedgerEntry.Kind.WRITE_OFF: ("written_off", -1),
}
COLUMNS = ("invoiced", "credited", "collected", "written_off")

_TABLE = MonthlyRollup._meta.db_table

# Later months' closing balances move first, then the entry's month is added to, or created from
# the last closing before it. On PostgreSQL one statement (a data-modifying CTE: its rows are
# disjoint from the upserted one); SQLite (`make run`'s demo) has no such CTE: two statements.
_LATER_SQL = f"""
UPDATE {_TABLE} SET closing_balance = closing_balance + %(amount)s
WHERE company_id = %(company)s AND currency = %(currency)s AND month > %(month)s
"""
_LATER_CTE = f"""
WITH later AS ({_LATER_SQL} RETURNING 1)
"""
_UPSERT_SQL = f"""
INSERT INTO {_TABLE} (company_id, currency, month, invoiced, credited, collected, written_off, closing_balance)
VALUES (
    %(company)s, %(currency)s, %(month)s, %(invoiced)s, %(credited)s, %(collected)s, %(written_off)s,
    COALESCE((SELECT closing_balance FROM {_TABLE}
              WHERE company_id = %(company)s AND currency = %(currency)s AND month < %(month)s
              ORDER BY month DESC LIMIT 1), 0) + %(amount)s
)
ON CONFLICT (company_id, currency, month) DO UPDATE SET
    invoiced = {_TABLE}.invoiced + EXCLUDED.invoiced,
    credited = {_TABLE}.credited + EXCLUDED.credited,
    collected = {_TABLE}.collected + EXCLUDED.collected,
    written_off = {_TABLE}.written_off + EXCLUDED.written_off,
    closing_balance = {_TABLE}.closing_balance + %(amount)s
"""

_REBUILD_SQL = f"""
INSERT INTO {_TABLE} (company_id, currency, month, invoiced, credited, collected, written_off, closing_balance)
SELECT company_id, currency, month, invoiced, credited, collected, written_off,
       SUM(movement) OVER (PARTITION BY company_id, currency ORDER BY month)
FROM (
    SELECT company_id, currency, date_trunc('month', booked_on)::date AS month,
           COALESCE(SUM(amount) FILTER (WHERE kind = 'invoice'), 0) AS invoiced,
           COALESCE(-SUM(amount) FILTER (WHERE kind = 'credit'), 0) AS credited,
           COALESCE(-SUM(amount) FILTER (WHERE kind IN ('payment', 'refund', 'reversal')), 0) AS collected,
           COALESCE(-SUM(amount) FILTER (WHERE kind = 'write_off'), 0) AS written_off,
           SUM(amount) AS movement
    FROM {LedgerEntry._meta.db_table}
    GROUP BY company_id, currency, month
) AS months
"""


def rebuild_sql(vendor: str) -> str:
    """The rebuild's INSERT ... SELECT for a database vendor (PostgreSQL, or SQLite in `make run`)."""
    month = "date(booked_on, 'start of month')" if vendor == "sqlite" else "date_trunc('month', booked_on)::date"
    return _REBUILD_SQL.replace("date_trunc('month', booked_on)::date", month)


def month_of(day: date) -> date:
    return day.replace(day=1)


def record(entry: LedgerEntry) -> None:
    """Add a just-booked entry to its month (the ledger calls this; nobody else)."""
    column, sign = COLUMN_OF_KIND[entry.kind]
    params = dict.fromkeys(COLUMNS, ZERO)
    params[column] = sign * Decimal(entry.amount)
    params.update(
        company=entry.company_id, currency=entry.currency, month=month_of(entry.booked_on), amount=entry.amount
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_LATER_CTE + _UPSERT_SQL, params)
        else:
            cursor.execute(_LATER_SQL, params)
            cursor.execute(_UPSERT_SQL, params)


def rebuild() -> int:
    """Write the rollup again from every entry; bookings wait for it (the table's lock). Returns
    the number of rows."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {_TABLE} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {_TABLE}")
        cursor.execute(rebuild_sql(connection.vendor))
        return cursor.rowcount


# --- What the finance dashboard reads ---------------------------------------------------------


@dataclass
class Month:
    """One month of one currency over the companies asked for."""

    month: date
    currency: str
    invoiced: Decimal = ZERO
    credited: Decimal = ZERO
    collected: Decimal = ZERO
    written_off: Decimal = ZERO
    # Σ the companies' balances at the month's end.
    closing_balance: Decimal = ZERO

    @property
    def movement(self) -> Decimal:
        return self.invoiced - self.credited - self.collected - self.written_off

    @property
    def collection_rate(self) -> Decimal | None:
        """Collected as a percentage of invoiced (None when nothing was invoiced)."""
        if self.invoiced <= 0:
            return None
        return (self.collected / self.invoiced * 100).quantize(Decimal("0.1"))


def _of(rows: QuerySet[MonthlyRollup], companies: QuerySet[Company]) -> QuerySet[MonthlyRollup]:
    # Staff who see every customer pass the unfiltered queryset: no subquery then.
    return rows if not companies.query.where else rows.filter(company__in=companies.values("pk"))


def months(companies: QuerySet[Company], *, first: date, last: date) -> dict[str, list[Month]]:
    """Per currency, every month from `first`'s to `last`'s (none left out, empty ones zero),
    summed over `companies`, with the closing balance carried from before `first`. One query over
    the rollup (a row per company and month), never over the entries."""
    first, last = month_of(first), month_of(last)
    sums = {name: Sum(name) for name in COLUMNS}
    rows = (
        _of(MonthlyRollup.objects.filter(month__lte=last), companies)
        .values("currency", "month")
        .annotate(**sums)
        .order_by("currency", "month")
    )
    calendar = month_range(first, last)
    result: dict[str, list[Month]] = {}
    balances: dict[str, Decimal] = {}
    by_key: dict[tuple[str, date], dict] = {}
    for row in rows:
        currency = row["currency"]
        if row["month"] < first:
            balances[currency] = balances.get(currency, ZERO) + (
                row["invoiced"] - row["credited"] - row["collected"] - row["written_off"]
            )
        else:
            by_key[(currency, row["month"])] = row
        result.setdefault(currency, [])
    for currency in sorted(result):
        balance = balances.get(currency, ZERO)
        for month in calendar:
            row = by_key.get((currency, month), {})
            figures = Month(month=month, currency=currency, **{name: row.get(name) or ZERO for name in COLUMNS})
            balance += figures.movement
            figures.closing_balance = balance
            result[currency].append(figures)
    return result


def month_range(first: date, last: date) -> list[date]:
    """The first days of every month from `first`'s to `last`'s."""
    month, end, result = month_of(first), month_of(last), []
    while month <= end:
        result.append(month)
        month = add_months(month, 1)
    return result


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)
