"""The customers' rhythm in the demo (the last step): the reps' notes of a few calls and visits,
then every customer's rhythm and RFM segment computed (`portal.rhythm.compute`), so the churn
warnings list its late customers and their reps find the notice in their bell.

The late customer comes from the history itself: Spicy Road ordered weekly until it was
suspended (orders.PROFILES' until_days), three and a half months ago; its rep is told. Mingde
School, which stopped paying two and a half months ago (billing's PAYERS), still orders and is
the one its rep has been calling. Seeding twice adds no note twice (found by company, kind and
text) and tells no rep twice (`CustomerRhythm.late_since`).
"""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Company
from portal.rhythm.compute import compute_rhythm
from portal.rhythm.models import CustomerRhythm, VisitNote

from .people import SeedReport, company_by_key

# (company, kind, days ago, what the rep noted)
NOTES = [
    (
        "mingde",
        VisitNote.Kind.CALL,
        9,
        "Called Guohua Ma: the school is reviewing its catering budget for next term; "
        "overdue invoices wait for the bursar's approval.",
    ),
    (
        "mingde",
        VisitNote.Kind.VISIT,
        40,
        "Visited the canteen with the term menu: they asked for prices on frozen vegetables in 10 kg bags.",
    ),
    (
        "spicyroad",
        VisitNote.Kind.CALL,
        100,
        "Called the owner about the two invoices over 90 days: account suspended until they are paid.",
    ),
    (
        "bayside",
        VisitNote.Kind.VISIT,
        5,
        "Tasting of the new scallops with the chef; he would like them in next Monday's order.",
    ),
]


def seed_rhythm(report: SeedReport) -> None:
    now = timezone.now()
    for key, kind, days_ago, text in NOTES:
        company = company_by_key(key)
        note, created = VisitNote.objects.get_or_create(
            company=company, kind=kind, text=text, defaults={"author": company.sales_rep}
        )
        if created:
            VisitNote.objects.filter(pk=note.pk).update(at=now - timedelta(days=days_ago))
        report.record(note, created)
    result = compute_rhythm()
    late = Company.objects.filter(pk__in=CustomerRhythm.objects.filter(late=True).values("company_id"))
    names = ", ".join(sorted(company.display_name for company in late))
    report.insight.append(f"rhythm of {result.companies} customers, {result.late} late ({names})")
