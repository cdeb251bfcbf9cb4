"""`manage.py seed_demo`: the demo world of `make run`, safe to run again and again.

The data and the seeding steps live in portal.demo; this command runs them in one transaction
and prints the demo logins.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Company, Region, User
from portal import demo


class Command(BaseCommand):
    help = "Create (or bring back in line) the demo distributor, its staff, customers and content."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even under production settings (it creates a superuser with a published password).",
        )

    def handle(self, *args, **options):
        settings_module = getattr(settings, "SETTINGS_MODULE", None) or ""
        if settings_module.endswith(".production") and not options["allow_production"]:
            raise CommandError(
                "Refusing to seed demo users with a published password under production settings "
                "(use --allow-production for a throwaway demo server)."
            )
        with transaction.atomic():
            report = demo.seed_all()
        self._print_summary(report)
        self._print_logins()

    def _print_summary(self, report):
        staff = User.objects.filter(is_staff=True).count()
        customers = User.objects.filter(memberships__isnull=False).distinct().count()
        created = sum(report.created.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo world ready: {Company.objects.count()} companies in {Region.objects.count()} regions, "
                f"{staff} staff and {customers} customer users "
                f"({created} rows created this run{'' if created else ': nothing was missing'})."
            )
        )
        for note in report.notes:
            self.stdout.write(f"  {note}")

    def _print_logins(self):
        self.stdout.write(f"Every demo login uses the password: {self.style.WARNING(demo.DEMO_PASSWORD)}")
        self._print_section(f"Customer portal ({demo.PORTAL_URL})", demo.customer_logins())
        self.stdout.write(f"  {demo.other_customers_hint()}")
        self._print_section(f"Back office ({demo.BACK_OFFICE_URL})", demo.staff_logins())
        self.stdout.write(
            "  Staff MFA is relaxed under `make run` (TRADECOUNTER_REQUIRE_STAFF_MFA is False in\n"
            "  portal/settings/dev.py); production always asks staff to set up a second factor."
        )

    def _print_section(self, title, logins):
        role_width = max(len(login.role) for login in logins)
        email_width = max(len(login.email) for login in logins)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(title))
        for login in logins:
            self.stdout.write(f"  {login.role:<{role_width}}  {login.email:<{email_width}}  {login.where}")
