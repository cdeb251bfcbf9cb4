"""Billing's rows, one module per part (each part adds its import here):

- `core`: invoices and credit notes, their lines, the ledger, payments and allocations, the
  customer's invoice details, document numbers, exposure releases.
- `reminders`: the overdue reminder schedule finance sets, and the reminders sent.
"""

from .core import *  # noqa: F403
from .reminders import *  # noqa: F403
