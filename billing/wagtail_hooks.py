"""Billing's back-office screens: URLs under /backoffice/billing/, menu items and permission
policies. Each part of billing keeps its hooks in its own marked block."""

from wagtail import hooks
from wagtail.contrib.settings.registry import register_setting

# --- Reminders ---
from .models import ReminderPolicy

# Settings → "Overdue reminders": finance sets the days after due (accounts.roles: FINANCE holds
# billing.change_reminderpolicy).
register_setting(ReminderPolicy, icon="mail")
# --- End of reminders ---


# --- Audit trail ---
from .backoffice.audit import billing_changes_section  # noqa: E402


@hooks.register("register_company_360_section")
def register_billing_changes_section(request, company):
    return billing_changes_section(request, company)


# --- End of audit trail ---
