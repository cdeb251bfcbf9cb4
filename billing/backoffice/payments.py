"""Every payment in the back office (card and transfer, in every state), filtered by customer,
method and state; a sales rep sees only their own customers' (accounts.selectors)."""

from django.core.paginator import Paginator
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts.selectors import companies_for_staff
from kit.backoffice import PermissionTemplateMixin

from ..models import Payment

VIEW_PAYMENTS = "billing.view_payment"
PAYMENTS_PER_PAGE = 50


def payments_for_staff(user):
    return Payment.objects.filter(company__in=companies_for_staff(user)).select_related("company", "bank_line")


class PaymentListView(PermissionTemplateMixin, TemplateView):
    permission = VIEW_PAYMENTS
    page_title = _("Payments")
    header_icon = "doc-full"
    template_name = "billing/admin/payments.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET
        payments = payments_for_staff(self.request.user)
        company = query.get("company", "")
        if company.isdigit():
            payments = payments.filter(company_id=company)
        method = query.get("method", "")
        if method in Payment.Method.values:
            payments = payments.filter(method=method)
        state = query.get("state", "")
        if state in Payment.State.values:
            payments = payments.filter(state=state)
        page = Paginator(payments.order_by("-created_at", "-pk"), PAYMENTS_PER_PAGE).get_page(query.get("p"))
        filters = query.copy()
        filters.pop("p", None)
        context.update(
            page=page,
            payments=list(page.object_list),
            companies=list(
                companies_for_staff(self.request.user).order_by("legal_name").values_list("pk", "legal_name")
            ),
            company=company,
            method=method,
            state=state,
            methods=Payment.Method,
            states=Payment.State,
            filter_query=filters.urlencode(),
        )
        return context


urlpatterns = [path("", PaymentListView.as_view(), name="payments")]
