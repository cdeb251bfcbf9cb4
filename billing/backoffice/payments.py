"""Every payment in the back office (card and transfer, in every state), filtered by customer,
method and state; a sales rep sees only their own customers' (accounts.selectors). One payment
with what it settled and its ledger entries; finance refunds it (a card through Stripe, a
transfer sent back) or reverses a transfer booked in error, both through the ledger."""

from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin import messages

from accounts.selectors import companies_for_staff
from kit.backoffice import PermissionTemplateMixin

from ..models import Allocation, LedgerEntry, Payment
from ..services import card, ledger

VIEW_PAYMENTS = "billing.view_payment"
PAYMENTS_PER_PAGE = 50
# The payments list's filter for card payments Stripe answered with something else (card.MISMATCH).
NEEDS_CHECKING = "needs_checking"


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
        if state == NEEDS_CHECKING:
            payments = payments.filter(state=Payment.State.PENDING, failure_code=card.MISMATCH)
        elif state in Payment.State.values:
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
            needs_checking=NEEDS_CHECKING,
            filter_query=filters.urlencode(),
        )
        return context


# --- One payment ------------------------------------------------------------------------------

CHANGE_PAYMENTS = card.CHANGE_PAYMENTS


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to refund"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    memo = forms.CharField(label=_("Why"), max_length=300)


class ReverseForm(forms.Form):
    memo = forms.CharField(label=_("Why it is reversed"), max_length=300)


class PaymentDetailView(PermissionTemplateMixin, TemplateView):
    """The payment, what it settled, its entries; refund or reverse it (POST `action`)."""

    permission = VIEW_PAYMENTS
    header_icon = "doc-full"
    template_name = "billing/admin/payment_detail.html"

    @cached_property
    def payment(self) -> Payment:
        return get_object_or_404(
            payments_for_staff(self.request.user).prefetch_related(
                Prefetch("allocations", queryset=Allocation.objects.select_related("invoice").order_by("pk")),
                Prefetch("entries", queryset=LedgerEntry.objects.select_related("created_by").order_by("pk")),
            ),
            pk=self.kwargs["pk"],
        )

    def get_page_title(self):
        return f"{self.payment.get_method_display()} · {self.payment.company}"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("billing_payments:payments"), "label": _("Payments")},
            {"url": "", "label": self.get_page_title()},
        ]

    def refundable(self) -> Decimal:
        payment = self.payment
        if payment.state != Payment.State.SUCCEEDED or self.reversed():
            return Decimal("0.00")
        return payment.amount - payment.refunded

    def reversed(self) -> bool:
        return any(entry.kind == LedgerEntry.Kind.REVERSAL for entry in self.payment.entries.all())

    def get_context_data(self, refund_form=None, reverse_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        may_change = self.request.user.has_perm(CHANGE_PAYMENTS)
        refundable = self.refundable()
        context.update(
            payment=self.payment,
            refundable=refundable,
            reversed=self.reversed(),
            refund_form=refund_form or RefundForm(initial={"amount": refundable}, prefix="refund"),
            reverse_form=reverse_form or ReverseForm(prefix="reverse"),
            may_refund=may_change and refundable > 0,
            may_reverse=may_change
            and self.payment.method == Payment.Method.TRANSFER
            and self.payment.state == Payment.State.SUCCEEDED
            and not self.reversed()
            and self.payment.refunded == 0,
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(CHANGE_PAYMENTS):
            raise PermissionDenied
        payment = self.payment
        action = request.POST.get("action")
        if action == "refund":
            form = RefundForm(request.POST, prefix="refund")
            if form.is_valid():
                try:
                    self._refund(form.cleaned_data["amount"], form.cleaned_data["memo"])
                except (card.CardPaymentError, ledger.LedgerError) as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(
                        request, gettext_now("The refund is booked; the invoices it settled are open again.")
                    )
                    return redirect("billing_payments:payment", payment.pk)
            return self.render_to_response(self.get_context_data(refund_form=form))
        if action == "reverse":
            form = ReverseForm(request.POST, prefix="reverse")
            if form.is_valid():
                try:
                    with transaction.atomic():
                        account = ledger.lock_books(payment.company_id)
                        ledger.reverse_payment(account, payment, actor=request.user, memo=form.cleaned_data["memo"])
                except ledger.LedgerError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(
                        request, gettext_now("The payment is reversed; the invoices it settled are open again.")
                    )
                    return redirect("billing_payments:payment", payment.pk)
            return self.render_to_response(self.get_context_data(reverse_form=form))
        raise PermissionDenied

    def _refund(self, amount: Decimal, memo: str) -> None:
        payment = self.payment
        if payment.method == Payment.Method.CARD:
            card.refund(payment=payment, amount=amount, user=self.request.user, memo=memo)
            return
        # A transfer is sent back by the bank; the ledger records it.
        with transaction.atomic():
            account = ledger.lock_books(payment.company_id)
            ledger.refund_payment(account, payment, amount, actor=self.request.user, memo=memo)


urlpatterns = [
    path("", PaymentListView.as_view(), name="payments"),
    path("<int:pk>/", PaymentDetailView.as_view(), name="payment"),
]
