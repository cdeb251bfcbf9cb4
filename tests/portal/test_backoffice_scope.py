"""The back-office sweep: a sales rep reaches nothing of another rep's customers.

Like the tenancy sweep (tests/portal/test_tenancy.py) for customers, it walks the URL
configuration: every back-office URL of our own screens (accounts, catalog, ordering: our
viewsets and our admin URLs, not Wagtail's pages, images, documents, users...) that takes a
parameter must have a case in CASES, or `test_every_id_taking_back_office_url_has_a_case` fails.

Each case builds its URL's object for a customer: once for "Rival Canteen", another rep's
customer (with a contract price list, an assortment, an order, a member and an invitation, all of
which name it), once for the rep's own customer. Then:

- a case of the customer's own data (`scoped=True`) must be refused to the rep: 404, or the
  permission denial Wagtail answers with a redirect to the admin home; and the same URL with the
  rep's own customer's object must not be 404 (the case is not refusing everyone);
- a case of data every rep shares (products, categories, warehouses, approval rules, import
  templates) may answer, but must not show anything of Rival Canteen.

Each case is tried as a plain sales rep and as a "broad rep", a rep who also holds every
permission of our apps except the one to see every customer: what keeps them out must be the
scoping of the objects, not merely a missing permission that a role change could grant. Posts
must leave the other rep's customer's data unchanged.

`test_no_listing_shows_another_reps_customer` walks the parameterless back-office URLs too (the
listings, their CSV and XLSX exports, the queues and forms): none may mention Rival Canteen.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from wagtail.admin.viewsets import viewsets
from wagtail.log_actions import log

from accounts import roles
from accounts.models import Company, Invitation, Membership
from billing.models import (
    BankAccount,
    BankStatement,
    BankStatementLine,
    Invoice,
    LedgerEntry,
    Payment,
    Statement,
    StatementDispute,
)
from catalog.models import Assortment, Lot, PriceList, PriceListEntry
from ordering.approval import ApprovalRule, ApprovalStep
from ordering.fulfilment.models import PickLine, PickList, ReturnLine, ReturnRequest, Shipment, ShipmentLine
from ordering.models import Cart, CartLine, Order, OrderLine, OrderState
from tests.factories import (
    AddressFactory,
    CompanyFactory,
    InvitationFactory,
    LocationFactory,
    LotFactory,
    MembershipFactory,
    PriceListEntryFactory,
    PriceListFactory,
    PriceTierFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
    category,
    with_second_factor,
)
from tests.portal.test_tenancy import Route, _walk

BACK_OFFICE = "backoffice/"
OUR_APPS = ("accounts.", "catalog.", "ordering.", "billing.", "portal.rhythm.")  # ordering.fulfilment included
# What must never reach the rep: the other rep's customer's names, its contract price, its
# people's and its order's identifiers.
RIVAL_MARKERS = ("Rival", "987.65", "rival.example", "SO-RIVAL")


def _our_namespaces() -> set[str]:
    return {viewset.url_namespace for viewset in viewsets.viewsets if type(viewset).__module__.startswith(OUR_APPS)}


def _ours(route: Route, namespaces: set[str]) -> bool:
    return route.module.startswith(OUR_APPS) or route.name.split(":")[0] in namespaces


def back_office_routes() -> list[Route]:
    patterns = get_resolver().url_patterns  # first: building the admin URLs registers the viewsets
    namespaces = _our_namespaces()
    return [route for route in _walk(patterns) if route.route.startswith(BACK_OFFICE) and _ours(route, namespaces)]


def back_office_routes_with_params() -> list[Route]:
    return [route for route in back_office_routes() if route.params]


# --- The two customers ------------------------------------------------------------------------


@dataclass
class Customer:
    """One customer of a rep, with a record of each kind the back office shows."""

    company: Company
    contract: PriceList
    assortment: Assortment
    order: Order
    membership: Membership
    invitation: Invitation
    manager: object  # a manager, who sees every customer (for the staged import)
    _staged: dict = field(default_factory=dict)
    statement: Statement | None = None
    dispute: StatementDispute | None = None

    def staged_import(self) -> str:
        """A manager's price upload into this customer's contract list, waiting for its commit:
        the token of someone else's upload."""
        if "token" not in self._staged:
            client = _client(self.manager)
            upload = SimpleUploadedFile("prices.csv", b"sku,min_quantity,unit_price\nFZ-SHARED,1,1.00\n")
            response = client.post(
                reverse("catalog_import:upload", args=["prices"]), {"file": upload, "price_list": self.contract.pk}
            )
            assert response.status_code == 302, response.content.decode()[:2000]
            self._staged["token"] = response.url.rstrip("/").split("/")[-1]
        return self._staged["token"]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _customer(name: str, email_domain: str, *, rep, manager, product, secret_price: str, number: str) -> Customer:
    company = CompanyFactory(
        display_name=name,
        legal_name=f"{name} Catering Ltd.",
        sales_rep=rep,
        price_tier=PriceTierFactory(),
    )
    AddressFactory(company=company, is_default=True, line1=f"1 {name} Road")
    membership = MembershipFactory(
        company=company, role=Membership.Role.ADMIN, user=UserFactory(email=f"buyer@{email_domain}")
    )
    contract = PriceListFactory(name=f"{name} contract", kind=PriceList.Kind.CONTRACT, company=company)
    PriceListEntryFactory(price_list=contract, product=product, unit_price=Decimal(secret_price))
    assortment = Assortment.objects.create(name=f"{name} range")
    assortment.companies.add(company)
    assortment.products.add(product)
    order = Order.objects.create(
        company=company,
        number=number,
        state=OrderState.AWAITING_APPROVAL,
        placed_by=membership.user,
        ship_to_text=f"1 {name} Road",
        currency=company.currency,
        subtotal=Decimal(secret_price),
        tax_total=Decimal("0.00"),
        total=Decimal(secret_price),
    )
    ApprovalStep.objects.create(
        order=order,
        customer_side=False,
        sequence=1,
        phrase={"code": "text", "params": {"text": "Order total at least 100"}},
        status=ApprovalStep.Status.PENDING,
        approver_group=Group.objects.get(name=roles.SALES_REP),
    )
    invitation = InvitationFactory(company=company, email=f"invitee@{email_domain}")
    # A transfer the customer paid (the payments list names it).
    Payment.objects.create(
        company=company,
        method=Payment.Method.TRANSFER,
        state=Payment.State.PENDING,
        currency=company.currency,
        amount=Decimal(secret_price),
        payer_name=f"{name} Catering Ltd.",
    )
    # History: a manager edited the customer and its contract list.
    for instance in (company, contract, assortment):
        log(instance=instance, action="wagtail.edit", user=manager)
    statement, dispute = _billing(company, membership.user, secret_price=secret_price, number=number)
    return Customer(
        company, contract, assortment, order, membership, invitation, manager, statement=statement, dispute=dispute
    )


def _billing(company, member, *, secret_price: str, number: str):
    """An overdue invoice of the secret amount, its ledger line, a statement and a dispute of
    that line (made from rows: issuing is not the subject)."""
    today = timezone.localdate()
    invoice = Invoice.objects.create(
        number=f"INV-{number}",
        company=company,
        issued_on=today - timedelta(days=70),
        due_on=today - timedelta(days=40),
        currency=company.currency,
        subtotal=Decimal(secret_price),
        tax_total=Decimal("0.00"),
        total=Decimal(secret_price),
        open_amount=Decimal(secret_price),
    )
    entry = LedgerEntry.objects.create(
        company=company,
        kind=LedgerEntry.Kind.INVOICE,
        currency=company.currency,
        amount=invoice.total,
        booked_on=invoice.issued_on,
        invoice=invoice,
    )
    statement = Statement.objects.create(
        company=company,
        period_start=invoice.issued_on.replace(day=1),
        period_end=today,
        currency=company.currency,
        opening_balance=Decimal("0.00"),
        closing_balance=invoice.total,
        generated_at=timezone.now(),
    )
    dispute = StatementDispute.objects.create(
        statement=statement, entry=entry, comment=f"{number} is wrong", raised_by=member, raised_at=timezone.now()
    )
    return statement, dispute


@pytest.fixture
def other_rep(db):
    user = StaffFactory(email="colleague@distributor.example")
    user.groups.add(Group.objects.get(name=roles.SALES_REP))
    return user


@pytest.fixture
def shared(staff_sales_rep):
    """What every rep shares: a product (priced in both contracts), a location, an approval rule;
    and the rep."""
    product = ProductFactory(sku="FZ-SHARED", name_en="Chicken wings", category=category("Frozen"))
    return {
        "rep": staff_sales_rep,
        "product": product,
        "location": LocationFactory(),
        "rule": ApprovalRule.objects.create(
            name="Big orders",
            condition=ApprovalRule.Condition.TOTAL_AT_LEAST,
            amount=Decimal("100.00"),
            approver_group=Group.objects.get(name=roles.ORDER_APPROVER),
        ),
    }


@pytest.fixture
def customers(staff_sales_rep, other_rep, staff_manager, shared):
    common = {"manager": with_second_factor(staff_manager), "product": shared["product"]}
    return {
        "theirs": _customer(
            "Rival Canteen", "rival.example", rep=other_rep, secret_price="987.65", number="SO-RIVAL-1", **common
        ),
        "ours": _customer(
            "Our Bistro", "bistro.example", rep=staff_sales_rep, secret_price="11.11", number="SO-OURS-1", **common
        ),
    }


def _broad_rep(user):
    """The rep, also holding every permission of our apps except seeing every customer."""
    permissions = Permission.objects.filter(
        content_type__app_label__in=["accounts", "catalog", "ordering", "billing"]
    ).exclude(codename="view_all_companies")
    user.user_permissions.add(*permissions)
    return user


@pytest.fixture(params=["rep", "broad rep"])
def rep(request, staff_sales_rep, settings):
    settings.TRADECOUNTER_REQUIRE_STAFF_MFA = True
    user = with_second_factor(staff_sales_rep)
    if request.param == "broad rep":
        _broad_rep(user)
    return _client(user)


# --- The cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    make_kwargs: Callable[[Customer, dict], dict]
    methods: tuple[str, ...] = ("get",)
    scoped: bool = True  # the customer's own data; else shared by every rep
    # Besides 404 and the permission denial: other answers that refuse (e.g. "that upload expired").
    also_refuses: Callable[[dict], str] | None = None


def _pk(attribute: str) -> Callable[[Customer, dict], dict]:
    return lambda customer, shared: {"pk": getattr(customer, attribute).pk}


def _shared_pk(key: str, attribute: str | None = None) -> Callable[[Customer, dict], dict]:
    def make(customer, shared):
        obj = shared[key]
        return {"pk": getattr(obj, attribute).pk if attribute else obj.pk}

    return make


def _viewset_cases(namespace: str, make_kwargs, *, views, scoped=True) -> dict[str, Case]:
    # Reading views are asked with GET; views that change data with GET and POST when the data is
    # the customer's (a POST must then change nothing), only GET when it is shared.
    writes = {"edit", "delete", "copy", "invite"}
    return {
        f"{namespace}:{view}": Case(
            make_kwargs, methods=("get", "post") if scoped and view in writes else ("get",), scoped=scoped
        )
        for view in views
    }


MODEL_VIEWS = ("edit", "delete", "history", "history_results", "usage", "inspect")


def _token(kind: str):
    return lambda customer, shared: {"kind": kind, "token": customer.staged_import()}


def _line_in_the_reps_cart(customer, shared):
    """A line in the rep's own cart for the customer (for another rep's customer: left from
    before the customer changed hands)."""
    cart, _created = Cart.objects.get_or_create(user=shared["rep"], company=customer.company)
    CartLine.objects.get_or_create(cart=cart, product=shared["product"], defaults={"quantity": 1})
    return {"company_id": customer.company.pk, "product_id": shared["product"].pk}


def _shipment(customer, shared):
    """A shipment of the customer's order, on its way."""
    shipment, _created = Shipment.objects.get_or_create(
        number=f"SH-{customer.order.number}",
        defaults={"order": customer.order, "carrier": "Van", "shipped_by": customer.manager},
    )
    return {"shipment_id": shipment.pk}


def _pick_list_of(customer, shared):
    """A pick list (and its one pick) of the customer's order."""
    order = customer.order
    line, _created = OrderLine.objects.get_or_create(
        order=order,
        product=shared["product"],
        defaults={
            "sku": shared["product"].sku,
            "name_en": shared["product"].name_en,
            "sales_unit": shared["product"].sales_unit,
            "quantity": 1,
            "allocated_quantity": 1,
            "unit_price": order.total,
            "price_source": "contract",
            "tax_rate": Decimal("0"),
            "line_total": order.total,
            "tax_amount": Decimal("0"),
        },
    )
    location = shared["location"]
    pick_list, created = PickList.objects.get_or_create(
        number=f"PL-{order.number}", defaults={"warehouse": location.warehouse, "created_by": shared["rep"]}
    )
    if created:
        pick_list.orders.add(order)
        lot = LotFactory(product=shared["product"], number=f"LOT-{order.number}")
        PickLine.objects.create(
            pick_list=pick_list,
            order_line=line,
            allocation_id=0,
            lot=lot,
            location=location,
            zone=location.zone,
            sequence=1,
            quantity=1,
        )
    return {"pk": pick_list.pk, "line_pk": pick_list.lines.get().pk}


def _lot_shipped_to(customer, shared):
    """A lot of the shared product, shipped in the customer's order."""
    lot, _created = Lot.objects.get_or_create(
        product=shared["product"], number="LOT-SHARED", defaults={"expiry_date": date.today() + timedelta(days=200)}
    )
    line = OrderLine.objects.create(
        order=customer.order,
        product=shared["product"],
        sku=shared["product"].sku,
        name_en=shared["product"].name_en,
        sales_unit="case",
        quantity=1,
        allocated_quantity=1,
        unit_price=Decimal("1.00"),
        price_source="list",
        tax_rate=Decimal("0"),
        line_total=Decimal("1.00"),
        tax_amount=Decimal("0.00"),
    )
    shipment = Shipment.objects.create(
        number=f"SH-{customer.order.number}", order=customer.order, carrier="Van", shipped_by=shared["rep"]
    )
    ShipmentLine.objects.create(shipment=shipment, order_line=line, lot=lot, quantity=1)
    return {"pk": lot.pk}


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()


def _return_of(customer, shared):
    """A return the customer asked for (with a photo), on a line of its delivered order."""
    existing = ReturnRequest.objects.filter(order=customer.order).first()
    if existing is not None:
        return {"pk": existing.pk}
    shipment = Shipment.objects.get(pk=_shipment(customer, shared)["shipment_id"])
    product = shared["product"]
    order_line = OrderLine.objects.create(
        order=customer.order,
        product=product,
        sku=product.sku,
        name_en=product.name_en,
        sales_unit="case",
        quantity=2,
        allocated_quantity=2,
        unit_price=Decimal("1.00"),
        price_source="list",
        tax_rate=Decimal("0"),
        line_total=Decimal("2.00"),
        tax_amount=Decimal("0.00"),
    )
    lot = LotFactory(product=product, number=f"RMA-LOT-{customer.order.number}")
    line = ShipmentLine.objects.create(shipment=shipment, order_line=order_line, lot=lot, quantity=2)
    return_request = ReturnRequest.objects.create(
        number=f"RMA-{customer.order.number}",
        order=customer.order,
        company=customer.company,
        requested_by=customer.membership.user,
        reason="damaged",
        state=ReturnRequest.State.APPROVED,
        photo=SimpleUploadedFile("photo.png", _png()),
    )
    ReturnLine.objects.create(
        request=return_request,
        shipment_line=line,
        order_line=order_line,
        lot=lot,
        quantity=1,
        unit_price=order_line.unit_price,
        tax_rate=order_line.tax_rate,
    )
    return {"pk": return_request.pk}


def _bank_line_of(customer, shared):
    """A bank statement line paid by the customer (not matched yet), in a statement of ours."""
    account, _created = BankAccount.objects.get_or_create(
        account_number="1001", defaults={"name": "ICBC", "bank": "ICBC", "mapping": {"date": "d", "credit": "c"}}
    )
    content = f"d,c,p\n2026-03-02,{customer.contract.entries.first().unit_price},{customer.company.legal_name}\n"
    statement, _created = BankStatement.objects.get_or_create(
        account=account,
        file_hash=customer.company.legal_name,
        defaults={
            "file_name": f"{customer.company.display_name}.csv",
            "content": content.encode(),
            "format": "csv",
            "uploaded_by": customer.manager,
        },
    )
    line, _created = BankStatementLine.objects.get_or_create(
        line_hash=customer.company.legal_name,
        defaults={
            "statement": statement,
            "account": account,
            "row": 2,
            "booked_on": date(2026, 3, 2),
            "amount": customer.contract.entries.first().unit_price,
            "currency": "CNY",
            "payer_name": customer.company.legal_name,
            "suggestions": [{"company": customer.company.pk, "invoices": [], "reason": "payer"}],
            "state": BankStatementLine.State.SUGGESTED,
        },
    )
    return {"pk": line.pk, "statement": statement.pk, "account": account.pk}


def _upload_page(kwargs) -> str:
    return reverse("catalog_import:upload", args=[kwargs["kind"]])


def _shipment_number(customer, shared):
    return {"number": Shipment.objects.get(pk=_shipment(customer, shared)["shipment_id"]).number}


def _pick_list(customer, shared):
    """The pick list holding the customer's order (the warehouse's; no rep prints one), by number."""
    return {"number": PickList.objects.get(pk=_pick_list_of(customer, shared)["pk"]).number}


def _invoice_of(customer, shared):
    """An invoice of the customer (a charge, by hand), once."""
    from billing.services import invoicing

    existing = Invoice.objects.filter(company=customer.company).first()
    if existing is None:
        existing = invoicing.invoice_charges(
            customer.company,
            [invoicing.ChargeLine(name_en="Handling", quantity=1, unit_price=Decimal("10.00"), tax_rate=Decimal("6"))],
            actor=None,
            render=False,
        )
    return {"invoice_id": existing.pk}


CASES: dict[str, Case] = {
    # accounts: the customer itself
    **_viewset_cases("customers", _pk("company"), views=(*MODEL_VIEWS, "invite")),
    # catalog: a contract list and a customer's assortment are the customer's
    **_viewset_cases("price-lists", _pk("contract"), views=MODEL_VIEWS),
    **_viewset_cases("assortments", _pk("assortment"), views=MODEL_VIEWS),
    "catalog_import:export_price_list": Case(lambda c, s: {"pk": c.contract.pk, "fmt": "csv"}),
    "catalog_import:price_list": Case(lambda c, s: {"price_list": c.contract.pk}),
    # Someone else's staged upload (into the customer's contract list) is "expired" for the rep.
    "catalog_import:preview": Case(_token("prices"), also_refuses=_upload_page),
    "catalog_import:errors": Case(_token("prices"), also_refuses=_upload_page),
    "catalog_import:commit": Case(_token("prices"), methods=("post",), also_refuses=_upload_page),
    # catalog: shared by every rep
    **_viewset_cases("products", _shared_pk("product"), views=(*MODEL_VIEWS, "copy"), scoped=False),
    **_viewset_cases("categories", _shared_pk("product", "category"), views=MODEL_VIEWS, scoped=False),
    **_viewset_cases("warehouses", _shared_pk("location", "warehouse"), views=MODEL_VIEWS, scoped=False),
    **_viewset_cases("locations", _shared_pk("location"), views=MODEL_VIEWS, scoped=False),
    "product_chooser:chosen": Case(_shared_pk("product"), scoped=False),
    # The product's stock page: the product is priced in and allocated to both customers.
    "catalog_stock:product": Case(_shared_pk("product"), scoped=False),
    "catalog_import:upload": Case(lambda c, s: {"kind": "prices"}, scoped=False),
    "catalog_import:template": Case(lambda c, s: {"kind": "prices", "fmt": "xlsx"}, scoped=False),
    "catalog_import:export_products": Case(lambda c, s: {"fmt": "csv"}, scoped=False),
    # ordering: the customer's orders, placing orders for it
    "orders:inspect": Case(_pk("order")),
    "ordering_admin:decide": Case(lambda c, s: {"order_id": c.order.pk}, methods=("post",)),
    "ordering_admin:place_cart": Case(lambda c, s: {"company_id": c.company.pk}, methods=("get", "post")),
    "ordering_admin:place_add_line": Case(lambda c, s: {"company_id": c.company.pk}, methods=("post",)),
    "ordering_admin:place_remove_line": Case(_line_in_the_reps_cart, methods=("post",)),
    # accounts: regions and price tiers are everyone's; the other rep's customer's own ones must
    # not name it (their listings count only the rep's own customers).
    **_viewset_cases("regions", lambda c, s: {"pk": c.company.region_id}, views=MODEL_VIEWS, scoped=False),
    **_viewset_cases("price-tiers", lambda c, s: {"pk": c.company.price_tier_id}, views=MODEL_VIEWS, scoped=False),
    # fulfilment: shipping the customer's order, confirming its shipment's delivery
    "fulfilment_shipping:ship": Case(lambda c, s: {"order_id": c.order.pk}, methods=("get", "post")),
    "fulfilment_shipping:confirm_delivery": Case(_shipment, methods=("get", "post")),
    # fulfilment: the warehouse's pick lists (the warehouse picks every customer's orders; a
    # rep, even a broad one, holds no fulfilment permission)
    "fulfilment_admin:pick_list": Case(lambda c, s: {"pk": _pick_list_of(c, s)["pk"]}),
    "fulfilment_admin:start_picking": Case(lambda c, s: {"pk": _pick_list_of(c, s)["pk"]}, methods=("post",)),
    "fulfilment_admin:confirm_pick": Case(_pick_list_of, methods=("post",)),
    # fulfilment: the customer's delivery notes; pick lists (the warehouse's)
    "fulfilment_documents:delivery_note": Case(_shipment_number),
    "fulfilment_documents:pick_list_pdf": Case(_pick_list),
    # fulfilment: a lot shipped to the customer (shared: the page answers, with the rep's own
    # customers' rows only); an order's lots are the customer's.
    "fulfilment_trace:lot": Case(_lot_shipped_to, scoped=False),
    "fulfilment_trace:export": Case(lambda c, s: {**_lot_shipped_to(c, s), "fmt": "xlsx"}, scoped=False),
    "fulfilment_trace:recall": Case(_lot_shipped_to, methods=("get", "post"), scoped=False),
    "fulfilment_trace:order": Case(_pk("order")),
    # fulfilment: the customer's returns (an approved one: receivable; a broad rep could receive it)
    "fulfilment_returns:return": Case(_return_of),
    "fulfilment_returns:decide": Case(_return_of, methods=("get", "post")),
    "fulfilment_returns:receive": Case(_return_of, methods=("get", "post")),
    "fulfilment_returns:photo": Case(_return_of),
    # billing: the customer's invoices (a rep reads their own customers'; a broad rep could
    # record, credit, void or write off)
    "billing_invoices:detail": Case(_invoice_of, methods=("get", "post")),
    "billing_invoices:credit": Case(_invoice_of, methods=("get", "post")),
    "billing_invoices:pdf": Case(_invoice_of),
    # billing: one of the customer's payments (a broad rep could refund or reverse it)
    "billing_payments:payment": Case(
        lambda c, s: {"pk": Payment.objects.filter(company=c.company).order_by("pk").first().pk},
        methods=("get", "post"),
    ),
    # billing: the bank screens are finance's (a rep, even one holding every billing permission,
    # does not see every customer, so is refused); a statement line paid by the customer.
    "billing_bank:account": Case(lambda c, s: {"pk": _bank_line_of(c, s)["account"]}, scoped=False),
    "billing_bank:preview": Case(lambda c, s: {"pk": _bank_line_of(c, s)["statement"]}, methods=("get", "post")),
    "billing_bank:accept": Case(lambda c, s: {"pk": _bank_line_of(c, s)["pk"]}, methods=("post",)),
    "billing_bank:ignore": Case(lambda c, s: {"pk": _bank_line_of(c, s)["pk"]}, methods=("post",)),
    "billing_bank:reopen": Case(lambda c, s: {"pk": _bank_line_of(c, s)["pk"]}, methods=("post",)),
    # billing: statements and their disputes (the aging report takes no id: the listing sweep)
    "billing_statements:statement": Case(lambda c, s: {"pk": c.statement.pk}),
    "billing_statements:statement_pdf": Case(lambda c, s: {"pk": c.statement.pk}),
    "billing_statements:dispute": Case(lambda c, s: {"pk": c.dispute.pk}, methods=("get", "post")),
    # rhythm: notes, messages and calls on a customer
    "rhythm_admin:note": Case(lambda c, s: {"company_id": c.company.pk}, methods=("get", "post")),
    "rhythm_admin:message": Case(lambda c, s: {"company_id": c.company.pk}, methods=("get", "post")),
    "rhythm_admin:call": Case(lambda c, s: {"company_id": c.company.pk}, methods=("post",)),
    # ordering: shared
    **_viewset_cases("approval-rules", _shared_pk("rule"), views=MODEL_VIEWS[:-1], scoped=False),  # no inspect
}


# --- What the rep gets ------------------------------------------------------------------------


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row if cell
        )
    return content.decode("utf-8", errors="replace")


def _leaks(response) -> list[str]:
    text = _text(response)
    return [marker for marker in RIVAL_MARKERS if marker in text]


def _refused(response, case: Case, kwargs: dict) -> bool:
    if response.status_code == 404:
        return True
    if response.status_code != 302:
        return False
    refusals = {reverse("wagtailadmin_home")}
    if case.also_refuses is not None:
        refusals.add(case.also_refuses(kwargs))
    return response.url in refusals


def _snapshot(customer: Customer) -> dict:
    """Everything of the customer a post could change."""
    company = Company.objects.get(pk=customer.company.pk)
    return {
        "company": {f.attname: getattr(company, f.attname) for f in Company._meta.concrete_fields},
        "order": Order.objects.filter(pk=customer.order.pk).values().first(),
        "steps": list(ApprovalStep.objects.filter(order=customer.order).values()),
        "orders": Order.objects.filter(company=company).count(),
        "contract": PriceList.objects.filter(pk=customer.contract.pk).values().first(),
        "prices": list(PriceListEntry.objects.filter(price_list=customer.contract).values()),
        "assortment": list(
            Assortment.objects.filter(pk=customer.assortment.pk).values("name", "companies", "products")
        ),
        "memberships": list(Membership.objects.filter(company=company).values()),
        "invitations": list(Invitation.objects.filter(company=company).values()),
        "shipments": list(Shipment.objects.filter(order__company=company).values()),
        "returns": list(ReturnRequest.objects.filter(company=company).values()),
        "return_lines": list(ReturnLine.objects.filter(request__company=company).values()),
        "invoices": list(Invoice.objects.filter(company=company).values()),
        "ledger": list(LedgerEntry.objects.filter(company=company).values()),
        "payments": list(Payment.objects.filter(company=company).values()),
        "bank_lines": list(BankStatementLine.objects.filter(payer_name=company.legal_name).values()),
        "statements": list(Statement.objects.filter(company=company).values()),
        "disputes": list(StatementDispute.objects.filter(statement__company=company).values()),
    }


def test_the_sweep_finds_our_id_taking_back_office_urls():
    names = {route.name for route in back_office_routes_with_params()}
    assert {"customers:inspect", "price-lists:inspect", "assortments:inspect", "orders:inspect"} <= names
    assert {"catalog_import:export_price_list", "ordering_admin:place_cart"} <= names
    # Wagtail's own screens are not ours.
    assert not any(name.startswith(("wagtailimages", "wagtailadmin_pages", "wagtailusers")) for name in names)


def test_every_id_taking_back_office_url_has_a_case():
    missing = sorted(route.name or route.route for route in back_office_routes_with_params() if route.name not in CASES)
    assert missing == [], f"add a back-office scope case for: {missing}"


def test_every_case_is_a_url_of_ours():
    names = {route.name for route in back_office_routes_with_params()}
    assert sorted(set(CASES) - names) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_rep_reaches_nothing_of_another_reps_customer(name, rep, customers, shared):
    case = CASES[name]
    theirs = customers["theirs"]
    kwargs = case.make_kwargs(theirs, shared)
    url = reverse(name, kwargs=kwargs)
    before = _snapshot(theirs)

    for method in case.methods:
        response = getattr(rep, method)(url)
        if case.scoped:
            assert _refused(response, case, kwargs), f"{method.upper()} {url} answered {response.status_code}"
        assert _leaks(response) == [], f"{method.upper()} {url} shows another rep's customer"

    assert _snapshot(theirs) == before, f"{url} changed another rep's customer's data"


@pytest.mark.parametrize("name", sorted(name for name, case in CASES.items() if case.scoped))
def test_the_same_urls_are_not_404_for_the_reps_own_customer(name, rep, customers, shared):
    """The sweep tests scoping, not views that refuse everyone: with the rep's own customer's
    objects the same requests find them (200, a redirect after a post, or the permission
    denial the plain rep gets for a view of their role's reach)."""
    case = CASES[name]
    url = reverse(name, kwargs=case.make_kwargs(customers["ours"], shared))
    response = getattr(rep, case.methods[0])(url)
    assert response.status_code != 404, f"{url} is 404 for the rep's own customer"


# --- Listings -------------------------------------------------------------------------------------


def _listing_urls() -> list[str]:
    urls = []
    for route in back_office_routes():
        if route.params or not route.name:
            continue
        url = reverse(route.name)
        urls += [url, f"{url}?export=csv", f"{url}?export=xlsx"]
    return urls


def test_the_listing_sweep_finds_our_listings():
    urls = _listing_urls()
    for name in ("customers:index", "price-lists:index", "assortments:index", "orders:index", "catalog_import:index"):
        assert f"{reverse(name)}?export=csv" in urls


def test_no_listing_shows_another_reps_customer(rep, customers, shared):
    leaking = {}
    for url in _listing_urls():
        response = rep.get(url)
        assert response.status_code in (200, 302), f"{url} answered {response.status_code}"
        if leaks := _leaks(response):
            leaking[url] = leaks
    assert leaking == {}, f"these pages show another rep's customer: {sorted(leaking)}"
    # The rep's own customer is there (the listings are not empty for everyone).
    assert "Our Bistro" in _text(rep.get(reverse("customers:index")))
    assert "Our Bistro contract" in _text(rep.get(reverse("price-lists:index") + "?export=csv"))


# --- Wagtail's site history -------------------------------------------------------------------


def _site_history(client) -> str:
    url = reverse("wagtailadmin_reports:site_history")
    return "\n".join(_text(client.get(url + query)) for query in ("", "?export=csv", "?export=xlsx"))


def test_the_site_history_shows_a_rep_only_their_own_customers(rep, customers):
    history = _site_history(rep)
    assert "Our Bistro" in history and "Our Bistro contract" in history
    assert [marker for marker in RIVAL_MARKERS if marker in history] == []
    results = _text(rep.get(reverse("wagtailadmin_reports:site_history_results")))
    assert "Our Bistro" in results and "Rival" not in results


def test_staff_who_see_every_customer_see_all_of_the_site_history(staff_manager, customers):
    history = _site_history(_client(staff_manager))  # (the customers fixture gave them a second factor)
    assert "Rival Canteen contract" in history and "Our Bistro contract" in history
