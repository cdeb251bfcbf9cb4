"""The audit trail (django-simple-history, shown by kit.history): who changed a customer's credit
terms, a price list's prices, a customer's invoice details, and who allocated a payment; before
and after; on the record's back-office history page or its 360° page, only within the staff
member's scope."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.models import Company
from billing.models import Allocation, InvoiceDetails
from catalog.imports import PRICES, ImportOptions, commit_import
from catalog.models import PriceListEntry
from kit.history import field_changes
from kit.spreadsheets import read_table
from tests.accounts.test_backoffice import _company_form, _credit_terms
from tests.billing.conftest import invoiced, ship_order  # noqa: F401, F811 - billing's fixtures
from tests.billing.test_reminders import pay
from tests.factories import CompanyFactory, PriceListEntryFactory, PriceListFactory, ProductFactory, with_second_factor


@pytest.fixture
def finance(staff_finance):
    return with_second_factor(staff_finance)


@pytest.fixture
def rep(staff_sales_rep):
    return with_second_factor(staff_sales_rep)


@pytest.fixture
def acme(company, rep):
    company.sales_rep = rep
    company.save()
    return company


def _changed(changes, label):
    """(who, before, after) of each change of the field named `label`, newest first."""
    return [(c.who, f.before, f.after) for c in changes if c.type == "~" for f in c.fields if f.label == label]


def test_a_credit_limit_change_by_finance_records_who_before_and_after(client, finance, acme):
    client.force_login(finance)

    response = client.post(
        reverse("customers:edit", args=[acme.pk]), _company_form(acme, **_credit_terms(credit_limit="80000.00"))
    )

    assert response.status_code == 302
    record = acme.history.latest()
    assert (record.history_type, record.history_user, record.credit_limit) == ("~", finance, Decimal("80000.00"))
    assert record.prev_record.credit_limit == Decimal("50000.00")
    who = finance.get_full_name()
    assert _changed(field_changes(acme.history.all()), "Credit limit") == [(who, "50000.00", "80000.00")]
    assert _changed(field_changes(acme.history.all()), "Payment term days") == [(who, "30", "45")]
    # Shown on the customer's history page, linked from its edit page, with translated names.
    html = client.get(reverse("customers:history", args=[acme.pk])).content.decode()
    assert "data-audit-trail" in html and "Credit limit" in html and who in html
    assert "50000.00" in html and "80000.00" in html
    assert "End of month plus days" in html  # a choice is shown by its label
    with translation.override("zh-hans"):
        assert _changed(field_changes(acme.history.all()), "信用额度") == [(who, "50000.00", "80000.00")]


def test_a_rep_cannot_see_another_reps_customers_history(client, rep, acme, staff_finance):
    other = CompanyFactory(display_name="Rival Canteen", sales_rep=None)
    other.credit_limit = Decimal("1.00")
    other.save()
    client.force_login(rep)

    refused = client.get(reverse("customers:history", args=[other.pk]))
    assert refused.status_code in (302, 404)
    assert "Rival" not in refused.content.decode()
    own = client.get(reverse("customers:history", args=[acme.pk]))
    assert own.status_code == 200 and "data-audit-trail" in own.content.decode()
    # Nor on the 360° page, where the billing changes are.
    assert client.get(reverse("customers:inspect", args=[other.pk])).status_code in (302, 404)


def test_a_price_change_by_hand_and_by_import_is_recorded(client, staff_manager):
    manager = with_second_factor(staff_manager)
    price_list = PriceListFactory(name="Wholesale A")
    wings, duck = ProductFactory(sku="FZ-1001"), ProductFactory(sku="FZ-1002")
    entry = PriceListEntryFactory(price_list=price_list, product=wings, unit_price=Decimal("12.00"))
    PriceListEntryFactory(price_list=price_list, product=duck, unit_price=Decimal("30.00"))
    entry.unit_price = Decimal("12.50")
    entry.save()
    upload = SimpleUploadedFile("prices.csv", b"sku,min_quantity,unit_price\nFZ-1001,1,11.80\nFZ-1001,10,11.00\n")
    commit_import(
        kind=PRICES,
        table=read_table(upload=upload, layout=PRICES),
        options=ImportOptions(price_list_id=price_list.pk, replace=True),
        user=manager,
    )

    changes = field_changes(
        PriceListEntry.history.filter(price_list_id=price_list.pk), label_fields=("product", "min_quantity")
    )
    by_kind = [(c.kind, c.record, c.who) for c in changes]
    name = manager.get_full_name()
    # Newest first: the import's removal (duck), new break and changed price, then the edit by hand.
    assert ("Deleted", f"{duck} 1", name) in by_kind
    assert ("Created", f"{wings} 10", name) in by_kind
    assert _changed(changes, "Unit price")[:1] == [(name, "12.50", "11.80")]
    assert (name, "12.00", "12.50") not in _changed(changes, "Unit price")  # by nobody signed in
    assert ("the system", "12.00", "12.50") in _changed(changes, "Unit price")
    client.force_login(manager)
    html = client.get(reverse("price-lists:history", args=[price_list.pk])).content.decode()
    assert "Changes to its prices" in html, html[html.find("<main") :][:3000]
    section = html[html.find("data-audit-trail") :][:6000]
    assert "11.80" in section, section
    assert str(duck) in section


def test_invoice_details_and_allocations_show_on_the_360_page(client, finance, acme, invoiced):  # noqa: F811
    details = InvoiceDetails.objects.create(
        company=acme,
        title="Acme Foods",
        tax_number="9131",
        registered_address="1 Road",
        phone="1",
        bank_name="ICBC",
        bank_account="62",
    )
    details.title = "上海鲜味餐饮管理有限公司"
    details._history_user = finance  # as the middleware sets it on a request
    details.save()
    invoice = invoiced(price="100.00")
    pay(invoice, Decimal("50.00"), actor=finance)
    allocation = Allocation.objects.get(invoice=invoice)
    # Booked outside a request (the ledger's verb, as a worker would): who is the actor it names.
    assert allocation.history.get().history_user == finance

    client.force_login(finance)
    html = client.get(reverse("customers:inspect", args=[acme.pk])).content.decode()

    assert "Billing changes" in html and "上海鲜味餐饮管理有限公司" in html and "Acme Foods" in html
    assert "50.00" in html and invoice.number in html


def test_the_trail_starts_with_what_existed(db):
    # Rows written before the trail (the migration records them) or in bulk without history
    # show "(not recorded)" rather than a made-up "before".
    company = CompanyFactory()
    company.history.all().delete()
    Company.objects.filter(pk=company.pk).update(grace_days=3)
    company = Company.objects.get(pk=company.pk)
    company.grace_days = 5
    company.save()
    assert _changed(field_changes(company.history.all()), "Grace days") == [("the system", "(not recorded)", "5")]
