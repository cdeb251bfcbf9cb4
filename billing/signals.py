"""The signals billing offers the apps above it (billing never imports them).

- `statement_disputed`: a customer disputed lines of a statement. Sent on commit by
  `services.statements.dispute` with `statement_id`, `dispute_ids` and `user_id` (who disputed);
  the service tickets app opens a ticket from it.
- `statement_dispute_resolved`: finance answered one dispute. Sent on commit by
  `services.statements.resolve` with `statement_id`, `dispute_id`, `user_id` (who answered) and
  `statement_resolved` (no dispute of the statement is open any more).
"""

from django.dispatch import Signal

statement_disputed = Signal()
statement_dispute_resolved = Signal()
