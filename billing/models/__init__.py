"""Billing's rows, one module per part (each part adds its import here):

- `core`: invoices and credit notes, their lines, the ledger, payments and allocations, the
  customer's invoice details, document numbers, exposure releases.
- `statements`: statements (对账) per company and period, and disputes of their lines.
"""

from .core import *  # noqa: F403
from .statements import *  # noqa: F403
