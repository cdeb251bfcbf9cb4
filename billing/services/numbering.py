"""Gapless document numbers per kind and year: INV-2026-000001, CN-2026-000001.

The next number is taken under the sequence row's lock inside the transaction that issues the
document: if that transaction rolls back, so does the number, and no two transactions can take
the same one. Call it inside `transaction.atomic()`.
"""

from django.db import transaction

from ..models import DocumentSequence, Invoice

PREFIXES = {Invoice.Kind.INVOICE: "INV", Invoice.Kind.CREDIT_NOTE: "CN"}


def next_number(kind: str, year: int) -> str:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Document numbers are taken inside the transaction that issues the document.")
    # The year's row may not exist yet: create it without racing (a conflict means another
    # transaction made it), then lock it.
    DocumentSequence.objects.bulk_create([DocumentSequence(kind=kind, year=year)], ignore_conflicts=True)
    sequence = DocumentSequence.objects.select_for_update().get(kind=kind, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{PREFIXES[kind]}-{year}-{sequence.last:06d}"
