from django.core.management.base import BaseCommand
from django.utils.translation import gettext, gettext_lazy

from portal.rhythm.compute import compute_rhythm

HELP = gettext_lazy(
    "Compute every customer's buying rhythm and RFM segment now and tell the reps of customers "
    "newly late (the scheduler does it every morning)."
)


class Command(BaseCommand):
    @property
    def help(self):
        return str(HELP)

    def handle(self, *args, **options):
        report = compute_rhythm()
        self.stdout.write(
            gettext("Rhythm computed for %(companies)s customers; %(late)s late (%(new)s newly).")
            % {"companies": report.companies, "late": report.late, "new": len(report.newly_late)}
        )
