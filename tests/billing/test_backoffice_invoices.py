"""Finance's invoice screens: the list, one invoice, recording the tax invoice (发票) the customer
then sees, crediting lines, voiding (a credit note, never a delete), writing off, invoicing what
is not invoiced yet (a shipment; a 月结 month), a charge by hand. A rep reads, never writes."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company, CreditAccount
from billing.models import Invoice, LedgerEntry
from billing.services import invoicing, ledger
from ordering.models import OrderState
from tests.factories import with_second_factor


def _charge(company, amount="100.00", tax="6"):
    return invoicing.invoice_charges(
        company,
        [
            invoicing.ChargeLine(
                name_en="Cold-chain handling", quantity=2, unit_price=Decimal(amount), tax_rate=Decimal(tax)
            )
        ],
        actor=None,
        render=False,
    )


@pytest.fixture
def finance(client, staff_finance):
    client.force_login(with_second_factor(staff_finance))
    return client


def test_finance_lists_and_filters_invoices(finance, company, other_company, django_assert_max_num_queries):
    ours = _charge(company)
    theirs = _charge(other_company)
    response = finance.get(reverse("billing_invoices:index"))
    assert response.status_code == 200
    assert ours.number in response.content.decode() and theirs.number in response.content.decode()

    response = finance.get(reverse("billing_invoices:index"), {"q": "Other Catering"})
    assert [invoice.number for invoice in response.context["invoices"]] == [theirs.number]

    for _ in range(10):
        _charge(company)
    with django_assert_max_num_queries(40):
        response = finance.get(reverse("billing_invoices:index"))
    assert len(response.context["invoices"]) == 12


def test_the_tax_invoice_is_recorded_and_the_customer_sees_it(finance, client, company, company_finance):
    invoice = _charge(company)
    url = reverse("billing_invoices:detail", args=[invoice.pk])
    assert finance.get(url).status_code == 200

    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = finance.post(
        url, {"action": "tax_invoice", "tax-tax_invoice_number": "04400123", "tax-tax_invoice_date": future}
    )
    assert response.status_code == 200 and "future" in response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).tax_invoice_number == ""

    today = timezone.localdate().isoformat()
    response = finance.post(
        url, {"action": "tax_invoice", "tax-tax_invoice_number": "04400123", "tax-tax_invoice_date": today}
    )
    assert response.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).tax_invoice_number == "04400123"

    client.force_login(company_finance)
    page = client.get(reverse("billing:invoice_detail", args=[invoice.number])).content.decode()
    assert "04400123" in page


def test_voiding_issues_a_credit_note_for_all_of_it(finance, company):
    invoice = _charge(company)
    response = finance.post(
        reverse("billing_invoices:detail", args=[invoice.pk]), {"action": "void", "void-comment": "Wrong customer"}
    )
    assert response.status_code == 302
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert (note.credited_invoice, note.total, note.credit_reason) == (invoice, invoice.total, "void")
    assert note.number.startswith("CN-")
    assert Invoice.objects.get(pk=invoice.pk).open_amount == 0
    assert ledger.balance(company.pk) == 0
    assert CreditAccount.objects.get(company=company).open_invoices == 0


def test_crediting_lines_refuses_more_than_is_left(finance, company):
    invoice = _charge(company)
    line = invoice.lines.get()
    url = reverse("billing_invoices:credit", args=[invoice.pk])
    response = finance.post(url, {f"line-{line.pk}": "3", "comment": "Short delivery"})
    assert response.status_code == 200 and "at most 2" in response.content.decode()
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()

    response = finance.post(url, {f"line-{line.pk}": "1", "comment": "Short delivery"})
    assert response.status_code == 302
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert note.total == Decimal("106.00")
    assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("106.00")


def test_a_write_off_is_a_ledger_entry(finance, company):
    invoice = _charge(company)
    response = finance.post(
        reverse("billing_invoices:detail", args=[invoice.pk]),
        {"action": "write_off", "write_off-amount": "12.00", "write_off-memo": "Rounding agreed"},
    )
    assert response.status_code == 302
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.WRITE_OFF)
    assert (entry.amount, entry.memo) == (Decimal("-12.00"), "Rounding agreed")
    assert Invoice.objects.get(pk=invoice.pk).open_amount == invoice.total - Decimal("12.00")


def test_a_rep_reads_their_customers_invoices_but_does_not_write(client, company, staff_sales_rep):
    company.sales_rep = staff_sales_rep
    company.save(update_fields=["sales_rep"])
    invoice = _charge(company)
    client.force_login(with_second_factor(staff_sales_rep))
    url = reverse("billing_invoices:detail", args=[invoice.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "void", "void-comment": "no"})
    assert response.status_code in (302, 403)
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()


def test_a_monthly_company_is_invoiced_for_last_month_by_hand(finance, company, place_order, make_product, ship_order):
    company.credit_limit = Decimal("100000.00")
    company.invoicing = Company.Invoicing.MONTHLY
    company.save(update_fields=["credit_limit", "invoicing"])
    product = make_product(price="10.00", tax_rate="0", stock=50)
    # Shipped last month; invoiced this month for last month.
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        shipment = ship_order(place_order(product=product, quantity=4, state=OrderState.APPROVED))
    response = finance.get(reverse("billing_invoices:uninvoiced"))
    assert shipment.number in response.content.decode()

    response = finance.post(reverse("billing_invoices:uninvoiced"), {"company": company.pk})
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    assert (invoice.total, invoice.shipment, invoice.period_start.day) == (Decimal("40.00"), None, 1)


def test_a_charge_is_invoiced_by_hand(finance, company):
    response = finance.post(
        reverse("billing_invoices:charges"),
        {
            "company": company.pk,
            "description": "Pallet delivery, Saturday",
            "description_zh": "周六托盘配送",
            "quantity": "1",
            "unit_price": "350.00",
            "tax_rate": "9",
        },
    )
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    assert (invoice.total, invoice.lines.get().name_zh) == (Decimal("381.50"), "周六托盘配送")
    assert CreditAccount.objects.get(company=company).open_invoices == Decimal("381.50")


def test_the_warehouse_sees_no_invoices(client, staff_warehouse, company):
    invoice = _charge(company)
    client.force_login(with_second_factor(staff_warehouse))
    response = client.get(reverse("billing_invoices:detail", args=[invoice.pk]))
    assert response.status_code in (302, 403)


def test_the_360_page_shows_the_customers_account(finance, company):
    _charge(company, "100.00", tax="0")
    response = finance.get(reverse("customers:inspect", args=[company.pk]))
    html = response.content.decode()
    assert "data-customer-account" in html
    assert "¥200.00" in html  # two charges of 100.00, open
    assert Invoice.objects.get().number in html


def _transfer(company, amount):
    from django.db import transaction

    from billing.models import Payment

    with transaction.atomic():
        account = ledger.lock_books(company.pk)
        payment = Payment.objects.create(
            company=company,
            method=Payment.Method.TRANSFER,
            state=Payment.State.SUCCEEDED,
            currency="CNY",
            amount=Decimal(amount),
            received_on=timezone.localdate(),
            reference="CMB 7781",
        )
        ledger.book_payment(account, payment)
    return payment


def test_finance_records_money_sent_back_and_the_invoice_is_open_again(finance, company):
    invoice = _charge(company, "100.00", tax="0")
    payment = _transfer(company, "200.00")
    assert Invoice.objects.get(pk=invoice.pk).open_amount == 0
    url = reverse("billing_payments:payment", args=[payment.pk])
    assert invoice.number in finance.get(url).content.decode()

    response = finance.post(url, {"action": "refund", "refund-amount": "250.00", "refund-memo": "Paid twice"})
    assert response.status_code == 200 and "at most what was paid" in response.content.decode()

    response = finance.post(url, {"action": "refund", "refund-amount": "50.00", "refund-memo": "Paid twice"})
    assert response.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("50.00")
    assert ledger.balance(company.pk) == Decimal("50.00")
    assert LedgerEntry.objects.get(kind=LedgerEntry.Kind.REFUND).memo == "Paid twice"


def test_finance_reverses_a_transfer_booked_to_the_wrong_customer(finance, company):
    invoice = _charge(company, "100.00", tax="0")
    payment = _transfer(company, "200.00")
    url = reverse("billing_payments:payment", args=[payment.pk])
    response = finance.post(url, {"action": "reverse", "reverse-memo": "Other Catering's money"})
    assert response.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).open_amount == invoice.total
    assert ledger.balance(company.pk) == invoice.total
    assert CreditAccount.objects.get(company=company).open_invoices == invoice.total
    assert finance.get(url).context["may_reverse"] is False


def test_a_rep_cannot_refund(client, company, staff_sales_rep):
    company.sales_rep = staff_sales_rep
    company.save(update_fields=["sales_rep"])
    payment = _transfer(company, "100.00")
    client.force_login(with_second_factor(staff_sales_rep))
    url = reverse("billing_payments:payment", args=[payment.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "refund", "refund-amount": "10.00", "refund-memo": "no"})
    assert response.status_code in (302, 403)
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()
