"""Billing's statement disputes become service tickets (billing.signals; billing never imports
portal). Both signals are sent on commit, so the ticket's own transaction follows billing's."""

from django.dispatch import receiver

from billing.signals import statement_dispute_resolved, statement_disputed

from . import services


@receiver(statement_disputed, dispatch_uid="tickets.statement_disputed")
def open_dispute_ticket(sender, *, statement_id, dispute_ids, user_id, **kwargs):
    services.open_for_statement_dispute(statement_id=statement_id, dispute_ids=dispute_ids, user_id=user_id)


@receiver(statement_dispute_resolved, dispatch_uid="tickets.statement_dispute_resolved")
def answer_dispute_ticket(sender, *, statement_id, dispute_id, user_id, statement_resolved, **kwargs):
    services.resolve_with_statement(
        statement_id=statement_id, dispute_id=dispute_id, user_id=user_id, statement_resolved=statement_resolved
    )
