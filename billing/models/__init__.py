"""Billing's rows, one module per part (each part adds its import here):

- `core`: invoices and credit notes, their lines, the ledger, payments and allocations, the
  customer's invoice details, document numbers, exposure releases.
- `bank`: our bank accounts (with their statement files' column mapping), imported statements
  and their lines.
- `stripe`: Stripe's webhook events, each stored once.
- `statements`: statements (对账) per company and period, and disputes of their lines.
- `reminders`: the overdue reminder schedule finance sets, and the reminders sent.
- `rollup`: the ledger summed per company, currency and month (the finance dashboard reads it).
"""

from .bank import *  # noqa: F403
from .core import *  # noqa: F403
from .reminders import *  # noqa: F403
from .rollup import *  # noqa: F403
from .statements import *  # noqa: F403
from .stripe import *  # noqa: F403
