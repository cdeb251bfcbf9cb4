from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy, ngettext

from ordering.reminders import remind_overdue_approvals

HELP = gettext_lazy(
    "Remind approvers of orders whose approval decision is overdue, at most once per 24 hours per "
    "order. Run it every hour, for example with this crontab line (from the project's directory, "
    "with its virtualenv): 0 * * * * python manage.py send_approval_reminders"
)


class Command(BaseCommand):
    @property
    def help(self):
        # argparse needs a str, not a lazy translation.
        return str(HELP)

    def handle(self, *args, **options):
        reminded = remind_overdue_approvals()
        self.stdout.write(
            ngettext(
                "Reminded the approvers of %(count)s order.", "Reminded the approvers of %(count)s orders.", reminded
            )
            % {"count": reminded}
        )
