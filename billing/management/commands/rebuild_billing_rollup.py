from django.core.management.base import BaseCommand
from django.utils.translation import gettext, gettext_lazy

from billing import rollup

HELP = gettext_lazy(
    "Write billing's monthly rollup again from the ledger's entries (the ledger keeps it as it "
    "books; this is for data loaded around it)."
)


class Command(BaseCommand):
    @property
    def help(self):
        return str(HELP)

    def handle(self, *args, **options):
        rows = rollup.rebuild()
        self.stdout.write(gettext("Monthly rollup rebuilt: %(rows)d rows.") % {"rows": rows})
