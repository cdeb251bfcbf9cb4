from django.core.management.base import BaseCommand

from portal.dashboards import rollups


class Command(BaseCommand):
    help = "Recompute the dashboards' sales rollups from the orders, invoices and ledger."

    def handle(self, *args, **options):
        rollups.rebuild()
        self.stdout.write("Sales rollups rebuilt.")
