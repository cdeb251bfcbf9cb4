"""The customer's account on the customer 360° page: where it stands (open, overdue, credit not
yet applied, balance) and its latest invoices; three queries."""

from django.urls import reverse
from django.utils import timezone

from accounts.backoffice import CompanySection
from accounts.models import Company

from ..models import Invoice
from ..selectors import STATUS_LABELS, account_figures, invoice_status
from .invoices import VIEW_INVOICES

RECENT_INVOICES_ON_360 = 5


class AccountSection(CompanySection):
    order = 30
    template_name = "billing/admin/company_360_account.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context)
        today = timezone.localdate()
        recent = list(
            Invoice.objects.filter(company=self.company).order_by("-issued_on", "-pk")[:RECENT_INVOICES_ON_360]
        )
        for invoice in recent:
            invoice.status_label = STATUS_LABELS[invoice_status(invoice, today)]
        context.update(
            figures=account_figures(self.company.pk, today),
            recent_invoices=recent,
            all_invoices_url=reverse("billing_invoices:index") + f"?company={self.company.pk}",
        )
        return context


def company_account_section(request, company: Company) -> AccountSection | None:
    if not request.user.has_perm(VIEW_INVOICES):
        return None
    return AccountSection(request, company)
