"""Billing's back-office screens: URLs under /backoffice/billing/, menu items and permission
policies. Each part of billing keeps its hooks in its own marked block."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail.contrib.settings.registry import register_setting

from kit.backoffice import PermissionMenuItem

from .backoffice import aging as aging_screens
from .backoffice import bank as bank_screens
from .backoffice import invoices as invoice_screens
from .backoffice import payments as payment_screens
from .backoffice import statements as statement_screens
from .backoffice.audit import billing_changes_section
from .backoffice.customer_360 import company_account_section
from .models import ReminderPolicy

# --- Invoices ----------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_invoice_urls():
    return [
        path(
            "billing/invoices/",
            include((invoice_screens.urlpatterns, "billing_invoices"), namespace="billing_invoices"),
        )
    ]


# Finance's screens are one "Billing" menu; each part below adds its items to it.
BILLING_MENU_HOOK = "register_billing_menu_item"


@hooks.register("register_admin_menu_item")
def billing_menu_item():
    return SubmenuMenuItem(_("Billing"), Menu(register_hook_name=BILLING_MENU_HOOK), icon_name="doc-full", order=160)


@hooks.register(BILLING_MENU_HOOK)
def invoices_menu_item():
    return PermissionMenuItem(
        _("Invoices"),
        reverse("billing_invoices:index"),
        permission=invoice_screens.VIEW_INVOICES,
        icon_name="doc-full",
        order=10,
    )


@hooks.register("register_company_360_section")
def register_company_account_section(request, company):
    return company_account_section(request, company)


# --- End of invoices ---------------------------------------------------------------------------

# --- Bank ----------------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_bank_urls():
    return [
        path("billing/bank/", include((bank_screens.urlpatterns, "billing_bank"), namespace="billing_bank")),
        path(
            "billing/payments/",
            include((payment_screens.urlpatterns, "billing_payments"), namespace="billing_payments"),
        ),
    ]


class BankMenuItem(PermissionMenuItem):
    """The bank's screens are for finance seeing every customer (a rep holding the permission
    for their own customers still does not read the bank)."""

    def is_shown(self, request):
        return super().is_shown(request) and bank_screens.sees_all_companies(request.user)


def _bank_item(label, url_name, order):
    return BankMenuItem(
        label, reverse(url_name), permission=bank_screens.RECORD_PAYMENTS, icon_name="doc-full", order=order
    )


@hooks.register(BILLING_MENU_HOOK)
def bank_lines_menu_item():
    return _bank_item(_("Bank statement lines"), "billing_bank:lines", 30)


@hooks.register(BILLING_MENU_HOOK)
def bank_import_menu_item():
    return _bank_item(_("Import a bank statement"), "billing_bank:upload", 31)


@hooks.register(BILLING_MENU_HOOK)
def bank_transfer_menu_item():
    return _bank_item(_("Record a transfer"), "billing_bank:transfer", 32)


@hooks.register(BILLING_MENU_HOOK)
def bank_accounts_menu_item():
    return _bank_item(_("Bank accounts"), "billing_bank:accounts", 33)


@hooks.register(BILLING_MENU_HOOK)
def payments_menu_item():
    return PermissionMenuItem(
        _("Payments"),
        reverse("billing_payments:payments"),
        permission=payment_screens.VIEW_PAYMENTS,
        icon_name="doc-full",
        order=20,
    )


# --- End of bank ---------------------------------------------------------------------------------

# --- Statements ------------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_statement_urls():
    return [
        path("billing/aging/", include((aging_screens.urlpatterns, "billing_aging"), namespace="billing_aging")),
        path(
            "billing/statements/",
            include((statement_screens.urlpatterns, "billing_statements"), namespace="billing_statements"),
        ),
    ]


@hooks.register(BILLING_MENU_HOOK)
def aging_menu_item():
    return PermissionMenuItem(
        _("Receivables aging"),
        reverse("billing_aging:report"),
        permission=aging_screens.VIEW_AGING,
        icon_name="date",
        order=40,
    )


@hooks.register(BILLING_MENU_HOOK)
def statements_menu_item():
    return PermissionMenuItem(
        _("Statements"),
        reverse("billing_statements:statements"),
        permission=statement_screens.VIEW_STATEMENTS,
        icon_name="list-ul",
        order=50,
    )


@hooks.register(BILLING_MENU_HOOK)
def disputes_menu_item():
    return PermissionMenuItem(
        _("Statement disputes"),
        reverse("billing_statements:disputes"),
        permission=statement_screens.VIEW_DISPUTES,
        icon_name="warning",
        order=51,
    )


# --- End of statements -----------------------------------------------------------------------------


# --- Reminders ---------------------------------------------------------------------------------

# Settings → "Overdue reminders": finance sets the days after due (accounts.roles: FINANCE holds
# billing.change_reminderpolicy).
register_setting(ReminderPolicy, icon="mail")

# --- End of reminders --------------------------------------------------------------------------

# --- Audit trail -------------------------------------------------------------------------------


@hooks.register("register_company_360_section")
def register_billing_changes_section(request, company):
    return billing_changes_section(request, company)


# --- End of audit trail ------------------------------------------------------------------------
