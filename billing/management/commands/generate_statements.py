from django.core.management.base import BaseCommand
from django.utils.translation import gettext, gettext_lazy

from billing.tasks import generate_monthly_statements

HELP = gettext_lazy(
    "Queue last month's statements for every customer with something to state (or --year and "
    "--month's). Run it on the 1st of each month, for example with this crontab line (from the "
    "project's directory, with its virtualenv): 0 6 1 * * python manage.py generate_statements"
)


class Command(BaseCommand):
    @property
    def help(self):
        return str(HELP)

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--month", type=int)

    def handle(self, *args, year=None, month=None, **options):
        generate_monthly_statements.enqueue(year=year, month=month)
        self.stdout.write(gettext("Statements queued."))
