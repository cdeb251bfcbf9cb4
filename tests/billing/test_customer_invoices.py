"""The customer's invoices: the list with the account's figures and status filters, one invoice
with what settled it, its PDF (rendered once, read back, Chinese too), the invoice details
(开票信息) new invoices copy; finance and admin members only; a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, InvoiceDetails, Payment
from billing.services import invoicing, ledger
from tests.fulfilment.test_documents import pdf_text


def _charge(company, amount="100.00", *, days_ago=0, tax="0"):
    return invoicing.invoice_charges(
        company,
        [
            invoicing.ChargeLine(
                name_en="Cold-chain handling",
                name_zh="冷链处理费",
                quantity=1,
                unit_price=Decimal(amount),
                tax_rate=Decimal(tax),
            )
        ],
        actor=None,
        issued_on=timezone.localdate() - timedelta(days=days_ago),
        render=False,
    )


def _pay(company, amount):
    with transaction.atomic():
        account = ledger.lock_books(company.pk)
        payment = Payment.objects.create(
            company=company,
            method=Payment.Method.TRANSFER,
            state=Payment.State.SUCCEEDED,
            currency="CNY",
            amount=Decimal(amount),
            received_on=timezone.localdate(),
            reference="CMB 0042",
        )
        ledger.book_payment(account, payment)
    return payment


def test_finance_sees_the_companys_invoices_and_where_the_account_stands(client, company, company_finance):
    overdue = _charge(company, "200.00", days_ago=60)
    _charge(company, "50.00")
    paid = _charge(company, "30.00")
    _pay(company, "30.00")  # settles the oldest first: part of the overdue one
    client.force_login(company_finance)

    response = client.get(reverse("billing:invoice_list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert overdue.number in page and paid.number in page
    figures = response.context["figures"][0]
    assert figures.open == Decimal("250.00")
    assert figures.overdue == Decimal("170.00")
    assert figures.balance == Decimal("250.00")
    statuses = {invoice.number: invoice.status for invoice in response.context["page"].object_list}
    assert statuses[overdue.number] == "overdue"
    assert statuses[paid.number] == "open"

    response = client.get(reverse("billing:invoice_list"), {"status": "overdue"})
    assert [invoice.number for invoice in response.context["page"].object_list] == [overdue.number]


def test_buyers_do_not_see_invoices(client, company, buyer):
    _charge(company)
    client.force_login(buyer)
    assert client.get(reverse("billing:invoice_list")).status_code == 403


def test_the_list_runs_a_fixed_number_of_queries(client, company, company_finance, django_assert_max_num_queries):
    client.force_login(company_finance)
    _charge(company)
    client.get(reverse("billing:invoice_list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("billing:invoice_list"))
    for days in range(20):
        _charge(company, days_ago=days)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("billing:invoice_list"))
    assert len(response.context["page"].object_list) == 21


def test_an_invoice_shows_what_settled_it(client, company, company_admin):
    invoice = _charge(company, "100.00")
    _pay(company, "40.00")
    client.force_login(company_admin)

    response = client.get(reverse("billing:invoice_detail", args=[invoice.number]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "CMB 0042" in page
    assert response.context["invoice"].status == "part_paid"
    assert "¥60.00" in page


def test_the_pdf_is_rendered_once_and_reads_back_in_chinese(client, company, company_finance):
    company_finance.language = "zh-hans"
    company_finance.save(update_fields=["language"])
    InvoiceDetails.objects.create(
        company=company,
        title="上海鲜味餐饮管理有限公司",
        tax_number="91310000123456789X",
        registered_address="上海市静安区南京西路1号",
        phone="021-1234 5678",
        bank_name="中国工商银行上海分行",
        bank_account="6222 0000 1111 2222",
    )
    invoice = _charge(company, "1234.50", tax="13")
    assert invoice.language == "zh-hans"
    client.force_login(company_finance)

    response = client.get(reverse("billing:invoice_pdf", args=[invoice.number]))

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    text = pdf_text(body)
    assert "账单" in text  # the portal's invoice; 发票 is the official tax invoice
    assert "上海鲜味餐饮管理有限公司" in text
    assert "冷链处理费" in text
    assert "¥1,394.99" in text  # 1,234.50 + 160.49 tax (13 %, half up)
    stored = Invoice.objects.get(pk=invoice.pk).pdf.name
    client.get(reverse("billing:invoice_pdf", args=[invoice.number]))
    assert Invoice.objects.get(pk=invoice.pk).pdf.name == stored


@pytest.mark.parametrize("tax_number", ["123", "91310000 12345678X", "913100001234567890X"])
def test_invoice_details_refuse_a_malformed_tax_number(client, company, company_finance, tax_number):
    client.force_login(company_finance)
    response = client.post(
        reverse("billing:invoice_details"),
        {
            "title": "Acme",
            "tax_number": tax_number,
            "registered_address": "1 Road",
            "phone": "1",
            "bank_name": "ICBC",
            "bank_account": "1",
        },
    )
    assert response.status_code == 200
    assert "15, 18 or 20" in response.content.decode()
    assert not InvoiceDetails.objects.exists()


def test_invoice_details_are_saved_and_copied_onto_new_invoices_only(client, company, company_finance):
    before = _charge(company)
    client.force_login(company_finance)
    response = client.post(
        reverse("billing:invoice_details"),
        {
            "title": "上海鲜味餐饮管理有限公司",
            "tax_number": "91310000123456789x",
            "registered_address": "上海市静安区南京西路1号",
            "phone": "021-1234 5678",
            "bank_name": "中国工商银行上海分行",
            "bank_account": "6222 0000 1111 2222",
        },
    )
    assert response.status_code == 302
    details = InvoiceDetails.objects.get(company=company)
    assert (details.tax_number, details.updated_by) == ("91310000123456789X", company_finance)
    after = _charge(company)
    assert after.buyer["name"] == "上海鲜味餐饮管理有限公司"
    assert Invoice.objects.get(pk=before.pk).buyer["name"] == company.legal_name
