"""`manage.py run_scheduler`: the one scheduler process of a deployment (portal/schedule.py)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy

from portal.schedule import build_scheduler

HELP = gettext_lazy(
    "Enqueue the scheduled background tasks at their times (portal/schedule.py); the task workers "
    "run them. Run exactly one per deployment, beside the workers."
)


class Command(BaseCommand):
    @property
    def help(self):
        return str(HELP)

    def handle(self, *args, **options):
        scheduler = build_scheduler()
        for job in scheduler.get_jobs():
            self.stdout.write(f"{job.name}: {job.trigger}")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            scheduler.shutdown(wait=False)
