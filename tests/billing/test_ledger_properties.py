"""The ledger's invariants as a stateful property test: random invoices, credit notes, voids,
payments (naming invoices or not, more than is owed), refunds, reversals and write-offs on one
company. After every step:

- the balance is the sum of the entries, and equals Σ open invoices − Σ unapplied credit notes −
  Σ unallocated payments;
- every invoice's open amount is its total less what was set against it (allocations, write-offs),
  within 0..total; every payment's unallocated part is its amount less its allocations and refunds;
- the credit account's open invoices and oldest unpaid due date agree with the invoices;
- no entry or allocation written earlier has changed, and none has gone;
- the monthly rollup (billing.rollup) equals the entries summed per month, its closing balances
  their running sum, and rebuilding it from the entries gives the same rows.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F, Min, Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from accounts.models import CreditAccount
from billing import rollup
from billing.models import Allocation, Invoice, LedgerEntry, MonthlyRollup, Payment
from billing.services import invoicing, ledger
from tests.factories import CompanyFactory, StaffFactory

ZERO = Decimal("0.00")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def set_up(self):
        self.company = CompanyFactory(credit_limit=Decimal("1000000.00"))
        self.staff = StaffFactory(is_superuser=True)
        self.snapshot = {}

    # --- Rules ----------------------------------------------------------------------------

    @rule(price=amounts, quantity=st.integers(1, 5), tax=st.sampled_from(["0", "9", "13"]), age=st.integers(0, 120))
    def invoice(self, price, quantity, tax, age):
        invoicing.invoice_charges(
            self.company,
            [
                invoicing.ChargeLine(
                    name_en="Cold-chain handling", quantity=quantity, unit_price=price, tax_rate=Decimal(tax)
                )
            ],
            actor=self.staff,
            issued_on=timezone.localdate() - timedelta(days=age),
            render=False,
        )

    @precondition(lambda self: self._invoices().exists())
    @rule(pick=st.integers(0, 50), share=st.integers(1, 100))
    def credit_part(self, pick, share):
        invoice = self._pick(self._invoices(), pick)
        left = {
            line.pk: line.quantity - (line.credit_lines.aggregate(q=Sum("quantity"))["q"] or 0)
            for line in invoice.lines.all()
        }
        quantities = {pk: max(1, q * share // 100) for pk, q in left.items() if q > 0}
        if not quantities:
            return
        invoicing.credit_lines(
            invoice,
            quantities,
            reason=Invoice.CreditReason.CORRECTION,
            comment="price agreed lower",
            actor=self.staff,
            render=False,
        )

    @rule(amount=amounts, name_one=st.booleans(), pick=st.integers(0, 50), age=st.integers(0, 70))
    def pay(self, amount, name_one, pick, age):
        with transaction.atomic():
            account = ledger.lock_books(self.company.pk)
            payment = Payment.objects.create(
                company=self.company,
                method=Payment.Method.TRANSFER,
                state=Payment.State.SUCCEEDED,
                currency=self.company.currency,
                amount=amount,
                received_on=timezone.localdate() - timedelta(days=age),
                reference=f"T-{uuid.uuid4().hex[:8]}",
            )
            open_invoices = self._invoices().filter(open_amount__gt=0)
            if name_one and open_invoices.exists():
                payment.requested_invoices.add(self._pick(open_invoices, pick))
            ledger.book_payment(account, payment, actor=self.staff)

    @precondition(lambda self: self._refundable().exists())
    @rule(pick=st.integers(0, 50), share=st.integers(1, 100))
    def refund(self, pick, share):
        payment = self._pick(self._refundable(), pick)
        amount = max(Decimal("0.01"), ((payment.amount - payment.refunded) * share / 100).quantize(Decimal("0.01")))
        with transaction.atomic():
            account = ledger.lock_books(self.company.pk)
            ledger.refund_payment(account, payment, amount, actor=self.staff, memo="card refund")

    @precondition(lambda self: self._reversible().exists())
    @rule(pick=st.integers(0, 50))
    def reverse(self, pick):
        payment = self._pick(self._reversible(), pick)
        with transaction.atomic():
            account = ledger.lock_books(self.company.pk)
            ledger.reverse_payment(account, payment, actor=self.staff, memo="booked to the wrong customer")

    @precondition(lambda self: self._invoices().filter(open_amount__gt=0).exists())
    @rule(pick=st.integers(0, 50), share=st.integers(1, 100))
    def write_off(self, pick, share):
        invoice = self._pick(self._invoices().filter(open_amount__gt=0), pick)
        amount = max(Decimal("0.01"), (invoice.open_amount * share / 100).quantize(Decimal("0.01")))
        with transaction.atomic():
            account = ledger.lock_books(self.company.pk)
            ledger.write_off(account, invoice, amount, actor=self.staff, memo="bad debt")

    # --- Invariants ---------------------------------------------------------------------------

    @invariant()
    def balance_is_the_sum_of_the_entries_and_of_what_is_open(self):
        if not hasattr(self, "company"):
            return
        entries = LedgerEntry.objects.filter(company=self.company).aggregate(t=Sum("amount"))["t"] or ZERO
        open_invoices = self._invoices().aggregate(t=Sum("open_amount"))["t"] or ZERO
        open_credit = (
            Invoice.objects.filter(company=self.company, kind=Invoice.Kind.CREDIT_NOTE).aggregate(t=Sum("open_amount"))[
                "t"
            ]
            or ZERO
        )
        unallocated = Payment.objects.filter(company=self.company).aggregate(t=Sum("unallocated"))["t"] or ZERO
        assert ledger.balance(self.company.pk) == entries == open_invoices - open_credit - unallocated

    @invariant()
    def each_document_and_payment_adds_up(self):
        if not hasattr(self, "company"):
            return
        for invoice in Invoice.objects.filter(company=self.company):
            assert ZERO <= invoice.open_amount <= invoice.total
            if invoice.kind == Invoice.Kind.INVOICE:
                settled = invoice.allocations.aggregate(t=Sum("amount"))["t"] or ZERO
                written_off = -(
                    invoice.entries.filter(kind=LedgerEntry.Kind.WRITE_OFF).aggregate(t=Sum("amount"))["t"] or ZERO
                )
                assert invoice.open_amount == invoice.total - settled - written_off
            else:
                applied = invoice.applications.aggregate(t=Sum("amount"))["t"] or ZERO
                assert invoice.open_amount == invoice.total - applied
        for payment in Payment.objects.filter(company=self.company):
            allocated = payment.allocations.aggregate(t=Sum("amount"))["t"] or ZERO
            reversed_amount = (
                payment.entries.filter(kind=LedgerEntry.Kind.REVERSAL).aggregate(t=Sum("amount"))["t"] or ZERO
            )
            assert payment.unallocated == payment.amount - allocated - payment.refunded - reversed_amount

    @invariant()
    def the_credit_account_agrees(self):
        if not hasattr(self, "company"):
            return
        account = CreditAccount.objects.get(company=self.company) if self._invoices().exists() else None
        if account is None:
            return
        open_invoices = self._invoices().aggregate(t=Sum("open_amount"))["t"] or ZERO
        oldest = self._invoices().filter(open_amount__gt=0).aggregate(d=Min("due_on"))["d"]
        assert account.open_invoices == open_invoices
        assert account.oldest_unpaid_due_date == oldest

    @invariant()
    def nothing_written_is_changed_or_gone(self):
        if not hasattr(self, "company"):
            return
        now = {
            ("entry", pk): (amount, kind)
            for pk, amount, kind in LedgerEntry.objects.filter(company=self.company).values_list("pk", "amount", "kind")
        } | {
            ("allocation", pk): (amount, invoice)
            for pk, amount, invoice in Allocation.objects.filter(invoice__company=self.company).values_list(
                "pk", "amount", "invoice_id"
            )
        }
        for key, value in self.snapshot.items():
            assert now[key] == value
        self.snapshot = now

    @invariant()
    def the_monthly_rollup_is_the_entries_summed(self):
        if not hasattr(self, "company"):
            return
        expected, balance = {}, ZERO
        mine = LedgerEntry.objects.filter(company=self.company)
        for month in sorted({rollup.month_of(day) for day in mine.values_list("booked_on", flat=True)}):
            entries = mine.filter(booked_on__gte=month, booked_on__lt=rollup.add_months(month, 1))
            sums = dict.fromkeys(rollup.COLUMNS, ZERO)
            for kind, amount in entries.values_list("kind", "amount"):
                column, sign = rollup.COLUMN_OF_KIND[kind]
                sums[column] += sign * amount
            balance += sum(entries.values_list("amount", flat=True), ZERO)
            expected[month] = (*(sums[column] for column in rollup.COLUMNS), balance)
        fields = ("month", *rollup.COLUMNS, "closing_balance")
        rows = MonthlyRollup.objects.filter(company=self.company)
        stored = {row[0]: row[1:] for row in rows.values_list(*fields)}
        assert stored == expected

    def teardown(self):
        """Rebuilt from the entries, the rollup has the same rows (once per run: it reads them all)."""
        if not hasattr(self, "company"):
            return
        fields = ("company", "currency", "month", *rollup.COLUMNS, "closing_balance")
        kept = set(MonthlyRollup.objects.values_list(*fields))
        rollup.rebuild()
        assert set(MonthlyRollup.objects.values_list(*fields)) == kept

    # --- Helpers ------------------------------------------------------------------------------

    def _invoices(self):
        return Invoice.objects.filter(company=self.company, kind=Invoice.Kind.INVOICE).order_by("pk")

    def _refundable(self):
        return (
            Payment.objects.filter(company=self.company, state=Payment.State.SUCCEEDED, refunded__lt=F("amount"))
            .exclude(entries__kind=LedgerEntry.Kind.REVERSAL)
            .order_by("pk")
        )

    def _reversible(self):
        return (
            Payment.objects.filter(company=self.company, state=Payment.State.SUCCEEDED)
            .exclude(entries__kind=LedgerEntry.Kind.REVERSAL)
            .order_by("pk")
        )

    @staticmethod
    def _pick(queryset, index):
        rows = list(queryset)
        return rows[index % len(rows)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ledger_state_machine():
    LedgerMachine.TestCase.settings = settings(
        max_examples=30, stateful_step_count=20, deadline=None, suppress_health_check=list(HealthCheck)
    )
    LedgerMachine.TestCase("runTest").runTest()
