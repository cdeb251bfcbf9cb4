"""The audit trail of a customer's billing records on the customer 360° page: changes to its
invoice details (开票信息) and the allocations of payments and credit notes to its invoices, with
who and when (kit.history). The 360° page looks the company up in the user's scope
(`companies_for_staff`), so a rep sees only their own customers' trail."""

from django.utils.translation import gettext_lazy as _

from accounts.backoffice import CompanySection
from accounts.models import Company
from kit.history import ChangeSection, field_changes

from ..models import Allocation, InvoiceDetails

VIEW_INVOICE_DETAILS = "billing.view_invoicedetails"
VIEW_PAYMENTS = "billing.view_payment"
CHANGES_ON_360 = 20


class BillingChangesSection(CompanySection):
    order = 90
    template_name = "billing/admin/company_360_changes.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context)
        user, sections = self.request.user, []
        if user.has_perm(VIEW_INVOICE_DETAILS):
            details = InvoiceDetails.history.filter(company_id=self.company.pk)
            sections.append(
                ChangeSection(
                    _("Invoice details"),
                    field_changes(details, limit=CHANGES_ON_360),
                    limit=CHANGES_ON_360,
                )
            )
        if user.has_perm(VIEW_PAYMENTS):
            allocations = Allocation.history.filter(invoice_id__in=self.company.invoices.values("pk"))
            sections.append(
                ChangeSection(
                    _("Allocations to invoices"),
                    field_changes(allocations, label_fields=("invoice",), exclude=("invoice",), limit=CHANGES_ON_360),
                    show_record=True,
                    limit=CHANGES_ON_360,
                )
            )
        context["change_sections"] = sections
        return context


def billing_changes_section(request, company: Company) -> BillingChangesSection | None:
    if not (request.user.has_perm(VIEW_INVOICE_DETAILS) or request.user.has_perm(VIEW_PAYMENTS)):
        return None
    return BillingChangesSection(request, company)
