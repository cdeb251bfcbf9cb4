"""Bank transfers: recorded by hand, or imported from bank files (GBK CSV with a preamble, blank
lines, a duplicate and a total line; XLSX; MT940; CAMT.053), matched by reference and amount,
suggested by payer and amount, accepted in one click, ignored with a reason; a file imported
twice adds nothing; the back-office screens are finance's."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import CreditAccount
from billing.bank_files import PRESETS
from billing.models import BankAccount, BankStatement, BankStatementLine, InvoiceDetails, Payment
from billing.services import bank, ledger
from kit import phrases
from kit.spreadsheets import SpreadsheetError, decode_text
from tests.factories import CompanyFactory, with_second_factor

FILES = Path(__file__).parent / "files"
LINE = BankStatementLine.State


@pytest.fixture(autouse=True)
def _march_2026(time_machine):
    """The sample files name invoices of 2026 and are dated in March."""
    time_machine.move_to(datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True)


def _mapping(preset: str) -> dict:
    return {key: value for key, value in PRESETS[preset].items() if key != "label"}


@pytest.fixture
def icbc(db):
    return BankAccount.objects.create(
        name="ICBC main", bank="工商银行上海分行", account_number="1001234567890123456", mapping=_mapping("icbc")
    )


@pytest.fixture
def cmb(db):
    return BankAccount.objects.create(
        name="CMB", bank="招商银行", account_number="755912345610001", mapping=_mapping("cmb")
    )


@pytest.fixture
def two_invoices(invoiced):
    """INV-2026-000001 for 113.00 and INV-2026-000002 for 339.00, both open."""
    first = invoiced(price="100.00")
    second = invoiced(price="300.00")
    assert (first.number, second.number) == ("INV-2026-000001", "INV-2026-000002")
    return first, second


def _upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else (FILES / name).read_bytes())


def _import(account, name, data=None, *, user):
    statement = bank.upload_statement(account=account, upload=_upload(name, data), actor=user)
    return bank.import_statement(statement=statement, actor=user)


def _refresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- Reading files ------------------------------------------------------------------------------


def test_a_gbk_csv_with_a_preamble_blank_lines_a_duplicate_and_a_total_line_reads(icbc, staff_finance):
    statement = bank.upload_statement(account=icbc, upload=_upload("icbc_gbk.csv"), actor=staff_finance)
    parsed = bank.preview_statement(statement)

    assert parsed.problems == []
    assert [(line.row, line.amount) for line in parsed.lines] == [
        (5, Decimal("113.00")),
        (6, Decimal("1000.00")),
        (8, Decimal("1000.00")),  # the duplicate (after a blank line)
        (9, Decimal("-25.00")),
        (10, Decimal("226.00")),
    ]
    first = parsed.lines[0]
    assert (first.booked_on, first.payer_name, first.payer_account, first.reference, first.serial) == (
        date(2026, 3, 2),
        "Acme Foods Trading Co., Ltd.",
        "6222000011112222",
        "货款 INV-2026-000001",
        "ICBC0001",
    )


def test_gbk_is_found_and_can_be_forced():
    text = "交易日期,摘要\n2026-03-02,货款\n"
    assert decode_text(text.encode("gbk")) == text
    assert decode_text(text.encode("utf-8")) == text
    assert decode_text(text.encode("utf-16"), encoding="utf-16") == text
    with pytest.raises(SpreadsheetError):
        decode_text(text.encode("gbk"), encoding="utf-8")


def test_a_bad_row_names_its_row_field_and_reason_and_nothing_is_saved(icbc, staff_finance, two_invoices):
    data = (
        "交易日期,摘要,借方发生额,贷方发生额,对方户名\n"
        "2026-03-02,INV-2026-000001,,113.00,Acme\n"
        "2026-13-45,x,,10.00,Acme\n"
        "2026-03-04,y,,ten,Acme\n"
    ).encode("gbk")
    statement = bank.upload_statement(account=icbc, upload=_upload("bad.csv", data), actor=staff_finance)

    problems = [str(problem) for problem in bank.preview_statement(statement).problems]
    assert problems == [
        "Row 3, 交易日期: “2026-13-45” is not a date.",
        "Row 4, 贷方发生额: “ten” is not an amount.",
    ]
    with pytest.raises(bank.BankError, match="nothing was imported"):
        bank.import_statement(statement=statement, actor=staff_finance)
    assert BankStatementLine.objects.count() == 0 and Payment.objects.count() == 0
    assert _refresh(statement).state == BankStatement.State.DRAFT


def test_a_missing_mapped_column_is_named(icbc, staff_finance):
    icbc.mapping = {**icbc.mapping, "header_row": 4, "credit": "收入金额"}
    icbc.save()
    statement = bank.upload_statement(account=icbc, upload=_upload("icbc_gbk.csv"), actor=staff_finance)
    assert [str(problem) for problem in bank.preview_statement(statement).problems] == [
        "Row 4, 收入金额: the file has no column “收入金额”."
    ]
    icbc.mapping = {**icbc.mapping, "header_row": 0, "date": "记账日期"}
    icbc.save()
    assert [str(problem) for problem in bank.preview_statement(statement).problems] == [
        "No heading row with the column “记账日期” in the file."
    ]


def test_a_file_that_is_no_statement_is_refused(icbc, staff_finance):
    with pytest.raises(SpreadsheetError, match="not a statement file"):
        bank.upload_statement(account=icbc, upload=_upload("statement.pdf", b"%PDF-1.4"), actor=staff_finance)
    with pytest.raises(SpreadsheetError, match="empty"):
        bank.upload_statement(account=icbc, upload=_upload("empty.csv", b""), actor=staff_finance)


# --- Importing and matching ---------------------------------------------------------------------


def test_importing_matches_by_reference_and_amount_and_suggests_the_rest(icbc, staff_finance, two_invoices, company):
    first, second = two_invoices
    result = _import(icbc, "icbc_gbk.csv", user=staff_finance)

    assert (result.added, result.duplicates, result.matched) == (4, 1, 1)
    lines = {line.row: line for line in BankStatementLine.objects.all()}
    assert sorted(lines) == [5, 6, 9, 10]
    # The invoice number in the reference, and its open amount: matched and booked at once.
    matched = lines[5]
    assert matched.state == LINE.MATCHED
    payment = matched.payment
    assert (payment.company, payment.method, payment.state, payment.amount, payment.received_on) == (
        company,
        Payment.Method.TRANSFER,
        Payment.State.SUCCEEDED,
        Decimal("113.00"),
        date(2026, 3, 2),
    )
    assert list(payment.requested_invoices.all()) == [first]
    assert _refresh(first).open_amount == Decimal("0.00")
    # The payer's name (spaces and punctuation aside) is the customer's: suggested, not booked.
    assert lines[6].state == LINE.SUGGESTED
    assert lines[6].suggestions == [{"company": company.pk, "invoices": [], "reason": bank.REASON_PAYER}]
    # Money out is no payment.
    assert lines[9].state == LINE.IGNORED and lines[9].ignored_reason == phrases.phrase(bank.OUTGOING)
    # Nobody known, and no open invoice of 226.00.
    assert lines[10].state == LINE.UNMATCHED and lines[10].suggestions == []
    assert Payment.objects.count() == 1


def test_a_statement_imported_twice_adds_nothing(icbc, staff_finance, two_invoices):
    _import(icbc, "icbc_gbk.csv", user=staff_finance)
    again = _import(icbc, "icbc_gbk.csv", user=staff_finance)

    assert again.already_imported and again.added == 0
    assert BankStatement.objects.count() == 1
    assert BankStatementLine.objects.count() == 4 and Payment.objects.count() == 1


def test_the_same_lines_in_another_file_are_skipped(icbc, staff_finance, two_invoices):
    _import(icbc, "icbc_gbk.csv", user=staff_finance)
    # The same statement saved again as UTF-8 (another file, the same lines) and one new line.
    text = (FILES / "icbc_gbk.csv").read_bytes().decode("gbk")
    text = text.replace("合计", "2026-03-06,09:00:00,货款,,339.00,,Nobody,,ICBC0005\r\n合计")
    result = _import(icbc, "icbc_utf8.csv", text.encode("utf-8"), user=staff_finance)

    assert (result.added, result.duplicates) == (1, 5)
    assert BankStatementLine.objects.count() == 5
    # The new line names no invoice but is the only open invoice of 339.00: a suggestion.
    line = BankStatementLine.objects.get(serial="ICBC0005")
    assert line.state == LINE.SUGGESTED and line.suggestions[0]["reason"] == bank.REASON_AMOUNT


def test_an_xlsx_with_signed_amounts_imports(cmb, staff_finance, two_invoices):
    _first, second = two_invoices
    result = _import(cmb, "cmb.xlsx", user=staff_finance)

    assert (result.added, result.matched) == (3, 1)
    states = dict(BankStatementLine.objects.values_list("amount", "state"))
    assert states == {
        Decimal("339.00"): LINE.MATCHED,
        Decimal("-50.50"): LINE.IGNORED,
        Decimal("12.34"): LINE.UNMATCHED,
    }
    assert _refresh(second).open_amount == Decimal("0.00")


def test_an_mt940_statement_imports(icbc, staff_finance, two_invoices, company):
    first, _second = two_invoices
    result = _import(icbc, "boc.sta", user=staff_finance)

    assert (result.added, result.matched) == (2, 1)
    line = BankStatementLine.objects.get(amount=Decimal("113.00"))
    assert (line.payer_name, line.serial, line.booked_on) == (
        "Acme Foods Trading Co., Ltd.",
        "BOC0001",
        date(2026, 3, 9),
    )
    assert line.payment.company == company and _refresh(first).open_amount == 0
    assert BankStatementLine.objects.get(amount=Decimal("-80.00")).state == LINE.IGNORED


def test_a_camt053_statement_imports(icbc, staff_finance, two_invoices):
    first, _second = two_invoices
    result = _import(icbc, "hsbc_camt053.xml", user=staff_finance)

    assert (result.added, result.matched) == (2, 1)
    line = BankStatementLine.objects.get(amount=Decimal("113.00"))
    assert (line.payer_account, line.reference, line.serial) == ("6222000011112222", "INV-2026-000001", "HSBC0001")
    assert _refresh(first).open_amount == 0


def test_camt053_with_an_entity_is_refused(icbc, staff_finance):
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><Document>&a;</Document>'
    statement = bank.upload_statement(account=icbc, upload=_upload("bomb.xml", bomb), actor=staff_finance)
    with pytest.raises(SpreadsheetError, match="could not be read"):
        bank.preview_statement(statement)


def test_a_reference_naming_an_invoice_with_another_amount_is_only_suggested(icbc, staff_finance, two_invoices):
    first, _second = two_invoices
    data = "交易日期,贷方发生额,对方户名,摘要\n2026-03-05,100.00,Someone,INV-2026-000001\n".encode()
    _import(icbc, "partial.csv", data, user=staff_finance)

    line = BankStatementLine.objects.get()
    assert line.state == LINE.SUGGESTED
    assert line.suggestions == [
        {"company": first.company_id, "invoices": [first.pk], "reason": bank.REASON_INVOICE_NAMED}
    ]
    assert Payment.objects.count() == 0


def test_a_payer_paying_several_invoices_gets_them_suggested_and_accepted_in_one_click(
    icbc, staff_finance, two_invoices, company
):
    first, second = two_invoices
    InvoiceDetails.objects.create(
        company=company,
        title="艾克美食品贸易有限公司",
        tax_number="91310000123456789X",
        registered_address="上海",
        phone="021",
        bank_name="ICBC",
        bank_account="6222 0000 1111 2222",
    )
    data = "交易日期,贷方发生额,对方户名,对方账号,摘要\n2026-03-05,452.00,艾克美食品贸易有限公司,,货款\n".encode()
    _import(icbc, "two.csv", data, user=staff_finance)
    line = BankStatementLine.objects.get()
    assert line.suggestions == [{"company": company.pk, "invoices": [first.pk, second.pk], "reason": bank.REASON_PAYER}]

    payment = bank.accept_line(line=line, company=company, invoices=[first, second], actor=staff_finance)

    line = _refresh(line)
    assert (line.state, line.payment, line.decided_by) == (LINE.MATCHED, payment, staff_finance)
    assert (_refresh(first).open_amount, _refresh(second).open_amount) == (0, 0)
    with pytest.raises(bank.BankError):
        bank.accept_line(line=line, company=company, actor=staff_finance)
    assert Payment.objects.count() == 1


def test_an_overpayment_accepted_pays_the_oldest_first_and_stays_as_credit(icbc, staff_finance, two_invoices, company):
    first, second = two_invoices
    data = "交易日期,贷方发生额,对方户名,对方账号,摘要\n2026-03-05,500.00,x,6222000011112222,货款\n".encode()
    InvoiceDetails.objects.create(
        company=company,
        title="t",
        tax_number="1",
        registered_address="a",
        phone="1",
        bank_name="b",
        bank_account="6222000011112222",
    )
    _import(icbc, "over.csv", data, user=staff_finance)
    line = BankStatementLine.objects.get()
    assert line.suggestions == [{"company": company.pk, "invoices": [], "reason": bank.REASON_PAYER}]

    payment = bank.accept_line(line=line, company=company, actor=staff_finance)

    assert (_refresh(first).open_amount, _refresh(second).open_amount) == (0, 0)
    assert _refresh(payment).unallocated == Decimal("48.00")
    assert ledger.balance(company.pk) == Decimal("-48.00")


def test_a_line_is_ignored_with_a_reason(icbc, staff_finance):
    _import(icbc, "icbc_gbk.csv", user=staff_finance)
    line = BankStatementLine.objects.get(row=10)
    with pytest.raises(bank.BankError, match="Say why"):
        bank.ignore_line(line=line, reason=" ", actor=staff_finance)

    bank.ignore_line(line=line, reason="Refund from a supplier", actor=staff_finance)

    line = _refresh(line)
    assert line.state == LINE.IGNORED
    assert "Refund from a supplier" in phrases.render(line.ignored_reason, audience=phrases.STAFF)
    with pytest.raises(bank.BankError):
        bank.accept_line(line=line, company=CompanyFactory(), actor=staff_finance)


def test_a_wrong_match_is_taken_back_its_payment_reversed_and_kept_on_the_line(
    icbc, staff_finance, two_invoices, company
):
    first, _ = two_invoices
    _import(icbc, "icbc_gbk.csv", user=staff_finance)
    line = BankStatementLine.objects.get(row=5)
    booked = line.payment
    assert _refresh(first).open_amount == Decimal("0.00")
    with pytest.raises(bank.BankError, match="Say why"):
        bank.reopen_line(line=line, reason="", actor=staff_finance)

    bank.reopen_line(line=line, reason="Paid by the sister company", actor=staff_finance)

    line = _refresh(line)
    assert (line.state, line.payment) == (LINE.SUGGESTED, None)
    assert line.undone[0]["payment"] == booked.pk and line.undone[0]["reason"] == "Paid by the sister company"
    # The money is out of the customer's books again, by a reversal, not an edit.
    assert _refresh(first).open_amount == Decimal("113.00")
    assert ledger.balance(company.pk) == Decimal("452.00")
    assert booked.entries.filter(kind="reversal").count() == 1
    # Matching again asks a person: the automatic match is only suggested now.
    assert bank.rematch_open_lines(actor=staff_finance) == 0
    assert _refresh(line).suggestions == [
        {"company": company.pk, "invoices": [first.pk], "reason": bank.REASON_INVOICE_NAMED}
    ]
    other = CompanyFactory(currency=company.currency)
    payment = bank.accept_line(line=line, company=other, actor=staff_finance)
    assert _refresh(line).payment == payment and payment.company == other


def test_an_ignored_line_is_taken_back_and_a_linked_transfer_is_only_unlinked(
    icbc, staff_finance, two_invoices, company
):
    recorded = bank.record_transfer(
        company=company, amount=Decimal("113.00"), received_on=date(2026, 3, 2), actor=staff_finance
    )
    _import(icbc, "icbc_gbk.csv", user=staff_finance)
    unknown = BankStatementLine.objects.get(row=10)
    bank.ignore_line(line=unknown, reason="Supplier refund", actor=staff_finance)
    client = _client(staff_finance)
    client.post(reverse("billing_bank:reopen", args=[unknown.pk]), {"reason": "It was a customer after all"})
    assert (_refresh(unknown).state, _refresh(unknown).ignored_reason) == (LINE.UNMATCHED, {})
    page = client.get(reverse("billing_bank:lines")).content.decode()
    assert "It was a customer after all" in page

    line = BankStatementLine.objects.get(row=5)
    bank.link_line(line=line, payment=recorded, actor=staff_finance)
    bank.reopen_line(line=line, reason="Linked the wrong transfer", actor=staff_finance)
    assert _refresh(line).payment is None
    assert not recorded.entries.filter(kind="reversal").exists()  # recorded by hand: it stays booked
    assert ledger.balance(company.pk) == Decimal("339.00")
    # Money out stays ignored.
    outgoing = BankStatementLine.objects.get(row=9)
    with pytest.raises(bank.BankError):
        bank.reopen_line(line=outgoing, reason="No", actor=staff_finance)


# --- Transfers recorded by hand --------------------------------------------------------------------


def test_a_transfer_naming_an_invoice_pays_that_one_first(staff_finance, two_invoices, company):
    first, second = two_invoices
    payment = bank.record_transfer(
        company=company, amount=Decimal("339.00"), received_on=date(2026, 3, 9), invoices=[second], actor=staff_finance
    )
    assert (payment.method, payment.state, payment.payer_name) == (
        Payment.Method.TRANSFER,
        Payment.State.SUCCEEDED,
        company.legal_name,
    )
    assert (_refresh(first).open_amount, _refresh(second).open_amount) == (Decimal("113.00"), 0)
    assert CreditAccount.objects.get(company=company).open_invoices == Decimal("113.00")


def test_an_overpaid_transfer_stays_as_credit(staff_finance, two_invoices, company):
    payment = bank.record_transfer(
        company=company, amount=Decimal("500.00"), received_on=date(2026, 3, 9), actor=staff_finance
    )
    assert _refresh(payment).unallocated == Decimal("48.00")
    assert ledger.balance(company.pk) == Decimal("-48.00")


def test_a_transfer_refuses_another_customers_invoice(staff_finance, two_invoices, other_company):
    with pytest.raises(bank.BankError):
        bank.record_transfer(
            company=other_company,
            amount=Decimal("113.00"),
            received_on=date(2026, 3, 9),
            invoices=[two_invoices[0]],
            actor=staff_finance,
        )
    assert Payment.objects.count() == 0


def test_a_transfer_recorded_by_hand_is_linked_not_booked_twice(icbc, staff_finance, two_invoices, company):
    recorded = bank.record_transfer(
        company=company, amount=Decimal("113.00"), received_on=date(2026, 3, 2), actor=staff_finance
    )
    _import(icbc, "icbc_gbk.csv", user=staff_finance)

    line = BankStatementLine.objects.get(row=5)
    assert line.state == LINE.SUGGESTED
    assert line.suggestions[0] == {
        "company": company.pk,
        "invoices": [],
        "reason": bank.REASON_RECORDED,
        "payment": recorded.pk,
    }
    bank.link_line(line=line, payment=recorded, actor=staff_finance)

    assert _refresh(line).payment == recorded
    assert Payment.objects.count() == 1 and ledger.balance(company.pk) == Decimal("339.00")


# --- Back office ----------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(with_second_factor(user))
    return client


def test_finance_sets_up_an_account_imports_a_file_and_accepts_a_suggestion(staff_finance, two_invoices, company):
    client = _client(staff_finance)
    response = client.post(
        reverse("billing_bank:account_new"),
        {
            "name": "ICBC",
            "bank": "工商银行",
            "account_number": "1001",
            "currency": "CNY",
            "preset": "icbc",
            "header_row": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    account = BankAccount.objects.get()
    assert account.mapping["credit"] == "贷方发生额" and account.mapping["header_row"] == 0

    response = client.post(reverse("billing_bank:upload"), {"account": account.pk, "file": _upload("icbc_gbk.csv")})
    statement = BankStatement.objects.get()
    assert response.url == reverse("billing_bank:preview", args=[statement.pk])
    preview = client.get(response.url).content.decode()
    assert "Acme Foods Trading Co., Ltd." in preview and "data-bank-import" in preview
    assert BankStatementLine.objects.count() == 0

    response = client.post(reverse("billing_bank:preview", args=[statement.pk]))
    assert response.status_code == 302 and BankStatementLine.objects.count() == 4
    lines = client.get(reverse("billing_bank:lines")).content.decode()
    assert "ACME FOODS TRADING CO LTD" in lines and "data-suggestion" in lines

    line = BankStatementLine.objects.get(row=6)
    response = client.post(reverse("billing_bank:accept", args=[line.pk]), {"suggestion": "0"})
    assert response.status_code == 302
    assert _refresh(line).state == LINE.MATCHED and _refresh(line).payment.amount == Decimal("1000.00")

    # The same file again: nothing added, said so.
    response = client.post(reverse("billing_bank:upload"), {"account": account.pk, "file": _upload("icbc_gbk.csv")})
    assert response.url.startswith(reverse("billing_bank:lines"))
    assert BankStatement.objects.count() == 1 and BankStatementLine.objects.count() == 4


def test_the_preview_lists_the_problems_and_offers_no_import(staff_finance, icbc):
    client = _client(staff_finance)
    data = "交易日期,贷方发生额\n2026-02-30,5\n".encode()
    response = client.post(reverse("billing_bank:upload"), {"account": icbc.pk, "file": _upload("bad.csv", data)})
    page = client.get(response.url).content.decode()
    assert "Row 2, 交易日期: “2026-02-30” is not a date." in page
    assert "data-bank-import" not in page
    client.post(response.url)
    assert BankStatementLine.objects.count() == 0


def test_finance_ignores_a_line_and_books_one_to_a_customer_by_name(staff_finance, icbc, company):
    _import(icbc, "icbc_gbk.csv", user=staff_finance)
    client = _client(staff_finance)
    unknown = BankStatementLine.objects.get(row=10)
    client.post(reverse("billing_bank:ignore", args=[unknown.pk]), {"reason": "Supplier refund"})
    assert _refresh(unknown).state == LINE.IGNORED

    line = BankStatementLine.objects.get(row=5)
    client.post(reverse("billing_bank:accept", args=[line.pk]), {"company_name": company.legal_name})
    assert _refresh(line).payment.company == company


def test_finance_records_a_transfer_by_hand(staff_finance, two_invoices, company):
    first, second = two_invoices
    response = _client(staff_finance).post(
        reverse("billing_bank:transfer"),
        {"company": company.pk, "amount": "339.00", "received_on": "2026-03-09", "invoices": "INV-2026-000002"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _refresh(second).open_amount == 0 and _refresh(first).open_amount == Decimal("113.00")


def test_a_transfer_form_names_the_invoice_that_is_not_the_customers(staff_finance, two_invoices, other_company):
    response = _client(staff_finance).post(
        reverse("billing_bank:transfer"),
        {"company": other_company.pk, "amount": "113.00", "received_on": "2026-03-09", "invoices": "INV-2026-000001"},
    )
    assert response.status_code == 200
    assert "Not an invoice of this customer: INV-2026-000001." in response.content.decode()
    assert Payment.objects.count() == 0


BANK_PAGES = (
    "billing_bank:accounts",
    "billing_bank:account_new",
    "billing_bank:upload",
    "billing_bank:lines",
    "billing_bank:transfer",
)


@pytest.mark.parametrize("name", BANK_PAGES)
def test_finance_opens_the_bank_screens(name, staff_finance, icbc):
    assert _client(staff_finance).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", BANK_PAGES)
def test_a_sales_rep_is_refused_the_bank_screens(name, staff_sales_rep, icbc):
    response = _client(staff_sales_rep).get(reverse(name))
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def test_a_sales_rep_holding_the_payment_permission_is_still_refused(staff_sales_rep, icbc):
    from django.contrib.auth.models import Permission

    staff_sales_rep.user_permissions.add(Permission.objects.get(codename="add_payment"))
    response = _client(staff_sales_rep).get(reverse("billing_bank:lines"))
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def test_the_payments_list_shows_a_rep_only_their_customers(staff_sales_rep, staff_finance, company, other_company):
    company.sales_rep = staff_sales_rep
    company.save()
    for customer in (company, other_company):
        bank.record_transfer(
            company=customer,
            amount=Decimal("10.00"),
            received_on=date(2026, 3, 9),
            payer_name=f"Payer of {customer}",
            actor=staff_finance,
        )
    rep_page = _client(staff_sales_rep).get(reverse("billing_payments:payments")).content.decode()
    assert f"Payer of {company}" in rep_page and f"Payer of {other_company}" not in rep_page
    finance_page = (
        _client(staff_finance)
        .get(reverse("billing_payments:payments") + f"?company={other_company.pk}&method=transfer&state=succeeded")
        .content.decode()
    )
    assert f"Payer of {other_company}" in finance_page and f"Payer of {company}" not in finance_page


def test_the_lines_list_runs_the_same_queries_for_few_or_many(
    staff_finance, icbc, company, django_assert_max_num_queries
):
    client = _client(staff_finance)

    def lines(count, start):
        rows = "".join(f"2026-03-0{1 + i % 9},{start + i}.00,{company.legal_name},,ref {i}\n" for i in range(count))
        _import(
            icbc, f"f{start}.csv", f"交易日期,贷方发生额,对方户名,对方账号,摘要\n{rows}".encode(), user=staff_finance
        )

    lines(1, 1)
    url = reverse("billing_bank:lines")
    client.get(url)
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    lines(20, 100)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_payments_list_runs_the_same_queries_for_few_or_many(staff_finance, company, django_assert_max_num_queries):
    client = _client(staff_finance)
    url = reverse("billing_payments:payments")
    bank.record_transfer(company=company, amount=Decimal("1.00"), received_on=date(2026, 3, 9), actor=staff_finance)
    client.get(url)
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for amount in range(2, 22):
        bank.record_transfer(company=company, amount=Decimal(amount), received_on=date(2026, 3, 9), actor=staff_finance)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200
