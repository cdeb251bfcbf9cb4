"""The staff role matrix: every back-office action that writes money or stock, tried by every staff
role through the real URL with a real POST.

Who may do what, in the words of DOMAIN.md ("People and roles"): finance sets credit limits and
payment terms and releases credit holds; the order approver decides the orders the approval rules
send to them; the warehouse receives, adjusts and writes off stock (by hand or by import); a sales
rep orders on a customer's behalf; the manager keeps the price lists and price tiers (DOMAIN.md
names no role for this; accounts.roles gives it to the manager, the catalog manager); the content
editor writes nothing of this. `ALLOWED` says it once; `test_the_role_table_agrees_with_the_matrix` checks that
accounts.roles.STAFF_GROUP_PERMISSIONS (the table the groups are synced from) grants exactly that.

An allowed action must change what it is for; a refused one, whatever the view answers (a
redirect to the admin home, a message, a form without the field), must leave every row of money
and stock as it was.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from accounts import roles
from accounts.models import Company, CreditAccount, Membership, PriceTier
from catalog.backoffice import price_list_viewset
from catalog.models import Allocation, Lot, PriceList, PriceListEntry, ShortDatedOffer, StockLevel, StockMove
from catalog.services import Receipt, receive_stock
from ordering import services
from ordering.approval import ApprovalRule, ApprovalStep
from ordering.fulfilment.models import PickLine, PickList, ReturnLine, ReturnRequest, Shipment, ShipmentLine
from ordering.fulfilment.picking import create_pick_list
from ordering.models import CartLine, Order, OrderEvent, OrderLine, OrderNumberSequence, OrderState
from ordering.services import Checkout
from tests.factories import (
    AddressFactory,
    CompanyFactory,
    LocationFactory,
    MembershipFactory,
    PriceListEntryFactory,
    PriceListFactory,
    PriceTierFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
    with_second_factor,
)

TODAY = timezone.localdate()
ROLES = list(roles.STAFF_GROUP_PERMISSIONS)


# --- The world: one customer of the sales rep, a product in stock, an approval rule ------------


@dataclass
class World:
    company: Company
    buyer: object
    ship_to: object
    product: object
    price_list: PriceList
    entry: PriceListEntry
    location: object
    lot: Lot
    staff: dict  # role name -> user

    def place(self, *, credit_limit: str | None = None) -> Order:
        """An order of the customer's buyer (total 100.00), routed as the services route it."""
        if credit_limit is not None:
            self.company.credit_limit = Decimal(credit_limit)
            self.company.save()
        cart = services.cart_for(user=self.buyer, company=self.company)
        services.add_to_cart(cart=cart, product=self.product, quantity=1)
        return services.place_order(
            cart=cart,
            membership=Membership.objects.get(user=self.buyer, company=self.company),
            checkout=Checkout(ship_to=self.ship_to),
            expected_total=services.quote_cart(cart=cart).total,
            idempotency_key=uuid.uuid4(),
        )


def _staff(role: str, index: int):
    user = StaffFactory(email=f"staff-{index}@distributor.example")
    user.groups.add(Group.objects.get(name=role))
    return with_second_factor(user)


@pytest.fixture
def world(db, settings):
    settings.TRADECOUNTER_REQUIRE_STAFF_MFA = True
    staff = {role: _staff(role, index) for index, role in enumerate(ROLES)}
    company = CompanyFactory(display_name="Acme Foods", sales_rep=staff[roles.SALES_REP])
    buyer = MembershipFactory(company=company, role=Membership.Role.ADMIN, user=UserFactory()).user
    product = ProductFactory(sku="FZ-1001", tax_rate=Decimal("0"))
    price_list = PriceListFactory(kind=PriceList.Kind.DEFAULT, name="List prices")
    entry = PriceListEntryFactory(price_list=price_list, product=product, unit_price=Decimal("100.00"))
    location = LocationFactory(code="F-01")
    (move,) = receive_stock(
        receipts=[
            Receipt(
                product=product,
                lot_number="L1",
                expiry_date=TODAY + timedelta(days=300),
                quantity=50,
                location=location,
            )
        ],
        user=StaffFactory(),
    )
    # Every order waits for the order approvers.
    ApprovalRule.objects.create(
        name="Every order",
        condition=ApprovalRule.Condition.TOTAL_AT_LEAST,
        amount=Decimal("1.00"),
        approver_group=Group.objects.get(name=roles.ORDER_APPROVER),
    )
    return World(
        company=company,
        buyer=buyer,
        ship_to=AddressFactory(company=company, is_default=True),
        product=product,
        price_list=price_list,
        entry=entry,
        location=location,
        lot=move.lot,
        staff=staff,
    )


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _money_and_stock() -> dict:
    """Every row an action of the matrix could write."""

    def rows(queryset):
        return sorted(queryset.values_list(), key=repr)

    credit_fields = ["credit_limit", "currency", "payment_terms_kind", "payment_terms_days", "grace_days"]
    return {
        "companies": rows(Company.objects.values_list("pk", *credit_fields)),
        "credit accounts": rows(CreditAccount.objects.all()),
        "orders": rows(Order.objects.all()),
        "order lines": rows(OrderLine.objects.all()),
        "order events": rows(OrderEvent.objects.all()),
        "approval steps": rows(ApprovalStep.objects.all()),
        "order numbers": rows(OrderNumberSequence.objects.all()),
        "cart lines": rows(CartLine.objects.all()),
        "lots": rows(Lot.objects.all()),
        "stock levels": rows(StockLevel.objects.all()),
        "stock moves": rows(StockMove.objects.all()),
        "allocations": rows(Allocation.objects.all()),
        "price lists": rows(PriceList.objects.all()),
        "prices": rows(PriceListEntry.objects.all()),
        "price tiers": rows(PriceTier.objects.all()),
        "pick lists": rows(PickList.objects.all()),
        "picks": rows(PickLine.objects.all()),
    }


# --- The actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """`prepare(world, user)` sets the stage and returns what `perform(client, world, staged)`
    needs; `effect(world, staged)` is what an allowed action changes."""

    allowed: frozenset[str]
    # What grants it in accounts.roles (None: not a permission, e.g. an approval rule's group).
    permission: str | None
    perform: Callable
    effect: Callable
    prepare: Callable = lambda world, user: None


def _company_form(company: Company, **overrides) -> dict:
    data = {
        "display_name": company.display_name,
        "legal_name": company.legal_name,
        "tax_number": company.tax_number,
        "region": company.region_id,
        "sales_rep": company.sales_rep_id or "",
        "price_tier": company.price_tier_id or "",
        "status": company.status,
        "min_shelf_life_percent": company.min_shelf_life_percent,
        "notes": company.notes,
        "addresses": inline_formset([]),
        "contacts": inline_formset([]),
        "licences": inline_formset([]),
    }
    return nested_form_data({**data, **overrides})


def _change_credit_terms(client, world, staged):
    terms = {
        "credit_limit": "80000.00",
        "currency": "CNY",
        "payment_terms_kind": Company.TermsKind.END_OF_MONTH,
        "payment_terms_days": "45",
        "grace_days": "7",
    }
    return client.post(reverse("customers:edit", args=[world.company.pk]), _company_form(world.company, **terms))


def _credit_terms(world, staged):
    company = Company.objects.get(pk=world.company.pk)
    return (company.credit_limit, company.payment_terms_kind, company.payment_terms_days, company.grace_days)


def _decide(decision: str, comment: str = ""):
    def perform(client, world, order):
        order = Order.objects.get(pk=order.pk)
        step = order.approval_steps.filter(status=ApprovalStep.Status.PENDING, customer_side=False).first()
        prefix = f"order-{order.pk}"
        return client.post(
            reverse("ordering_admin:decide", args=[order.pk]),
            {
                f"{prefix}-decision": decision,
                f"{prefix}-comment": comment,
                f"{prefix}-state": order.state,
                f"{prefix}-step": step.pk if step and order.state == OrderState.AWAITING_APPROVAL else "",
            },
        )

    return perform


def _held_order(world, user):
    order = world.place(credit_limit="50.00")
    assert order.state == OrderState.CREDIT_HOLD
    return order


def _order_for_the_approvers(world, user):
    order = world.place()
    assert order.state == OrderState.AWAITING_APPROVAL
    return order


def _order_state(world, order):
    return Order.objects.get(pk=order.pk).state


def _receive(client, world, staged):
    data = {
        "reference": "DN-2026-001",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-sku": world.product.sku,
        "lines-0-lot_number": "L2",
        "lines-0-production_date": (TODAY - timedelta(days=5)).isoformat(),
        "lines-0-expiry_date": (TODAY + timedelta(days=300)).isoformat(),
        "lines-0-quantity": "10",
        "lines-0-location": str(world.location.pk),
    }
    return client.post(reverse("catalog_stock:receive"), data)


def _move_stock(url_name: str, quantity: int, reason: str):
    def perform(client, world, staged):
        return client.post(
            reverse(url_name),
            {
                "sku": world.product.sku,
                "lot_number": world.lot.number,
                "location": str(world.location.pk),
                "quantity": str(quantity),
                "reason": reason,
            },
        )

    return perform


def _on_hand(world, staged):
    return sorted(Lot.objects.filter(product=world.product).values_list("number", "on_hand"))


def _edit_price_list(client, world, staged):
    data = {
        "name": world.price_list.name,
        "kind": world.price_list.kind,
        "company": "",
        "price_tier": "",
        "currency": world.price_list.currency,
        "valid_from": "",
        "valid_until": "",
        "priority": str(world.price_list.priority),
        "active": "on",
        "entries-TOTAL_FORMS": "1",
        "entries-INITIAL_FORMS": "1",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
        "entries-0-id": str(world.entry.pk),
        "entries-0-product": str(world.product.pk),
        "entries-0-min_quantity": "1",
        "entries-0-unit_price": "77.00",
    }
    return client.post(reverse(price_list_viewset.get_url_name("edit"), args=[world.price_list.pk]), data)


def _prices(world, staged):
    return sorted(PriceListEntry.objects.values_list("price_list_id", "product_id", "min_quantity", "unit_price"))


def _import(kind: str, content: str, **fields):
    """Upload a file and commit it. A user refused the upload also tries to commit an upload of
    the same file staged by someone allowed to (`staged`): that is refused too."""

    def perform(client, world, staged):
        upload = SimpleUploadedFile(f"{kind}.csv", content.format(world=world).encode())
        extra = {name: value(world) for name, value in fields.items()}
        response = client.post(reverse("catalog_import:upload", args=[kind]), {"file": upload, **extra})
        preview = reverse("catalog_import:preview", args=[kind, "x" * 32]).rsplit("x" * 32, 1)[0]
        if response.status_code == 302 and response.url.startswith(preview):
            token = response.url.rstrip("/").rsplit("/", 1)[-1]
        else:
            token = staged
        return client.post(reverse("catalog_import:commit", args=[kind, token]))

    def prepare(world, user):
        # Someone allowed stages the same upload: a refused user may try to commit it.
        allowed = world.staff[roles.MANAGER if kind == "prices" else roles.WAREHOUSE]
        return _token_of(_signed_in(allowed), kind, content, world, fields)

    return perform, prepare


def _token_of(client, kind, content, world, fields) -> str:
    upload = SimpleUploadedFile(f"{kind}.csv", content.format(world=world).encode())
    extra = {name: value(world) for name, value in fields.items()}
    response = client.post(reverse("catalog_import:upload", args=[kind]), {"file": upload, **extra})
    assert response.status_code == 302, response.content.decode()[:1000]
    return response.url.rstrip("/").rsplit("/", 1)[-1]


_import_prices, _stage_prices = _import(
    "prices",
    "sku,min_quantity,unit_price\n{world.product.sku},1,66.00\n",
    price_list=lambda world: world.price_list.pk,
)
_import_receipts, _stage_receipts = _import(
    "receipts",
    "sku,lot_number,expiry_date,quantity,warehouse,location\n"
    + "{world.product.sku},L3,"
    + (TODAY + timedelta(days=200)).isoformat()
    + ",12,{world.location.warehouse.code},{world.location.code}\n",
)


def _cart_of_the_actor(world, user):
    """The acting staff user's own cart for the customer, with one line."""
    services.add_to_cart(cart=services.cart_for(user=user, company=world.company), product=world.product, quantity=1)


def _place_for_customer(client, world, staged):
    return client.post(
        reverse("ordering_admin:place_cart", args=[world.company.pk]),
        {
            "membership": Membership.objects.get(user=world.buyer, company=world.company).pk,
            "ship_to": world.ship_to.pk,
            "po_number": "PHONE-1",
            "expected_total": "100.00",
            "idempotency_key": str(uuid.uuid4()),
        },
    )


def _orders_of_the_customer(world, staged):
    return Order.objects.filter(company=world.company).count()


def _tier(world, user):
    return PriceTierFactory(code="a", name="Tier A", name_zh="A级客户")


def _rename_tier(client, world, tier):
    data = {"code": tier.code, "name": "Key accounts", "name_zh": "重点客户"}
    return client.post(reverse("price-tiers:edit", args=[tier.pk]), data)


def _tier_names(world, tier):
    return PriceTier.objects.filter(pk=tier.pk).values_list("name", "name_zh").get()


def _approved_order(world, user):
    order = world.place()
    return services.decide_staff_approval(order=order, user=world.staff[roles.ORDER_APPROVER], approve=True)


def _create_pick_list(client, world, order):
    return client.post(
        reverse("fulfilment_admin:create_pick_list"), {"orders": [order.pk], "warehouse": world.location.warehouse.pk}
    )


def _pick_lists_of(world, order):
    return PickList.objects.filter(orders=order).count()


def _pick_list_to_confirm(world, user):
    order = _approved_order(world, user)
    pick_list = create_pick_list(orders=[order], warehouse=world.location.warehouse, user=world.staff[roles.WAREHOUSE])
    return pick_list.lines.get()


def _confirm_short_pick(client, world, pick):
    prefix = f"pick-{pick.pk}"
    return client.post(
        reverse("fulfilment_admin:confirm_pick", args=[pick.pick_list_id, pick.pk]),
        {f"{prefix}-lot_number": world.lot.number, f"{prefix}-quantity": "0"},
    )


def _recall(client, world, staged):
    return client.post(reverse("fulfilment_trace:recall", args=[world.lot.pk]), {"reason": "Listeria"})


def _held(world, staged):
    return Lot.objects.get(pk=world.lot.pk).held_at is not None


# --- alloc: quality holds and re-allocation (ordering.fulfilment) ---


def _hold_lot(client, world, staged):
    return client.post(reverse("fulfilment_allocation:put_on_hold"), {"lot": world.lot.pk, "reason": "Torn packaging"})


def _held_lot(world, user):
    from catalog.allocation import put_on_hold

    put_on_hold(lot_id=world.lot.pk, reason="Failed check")


def _release_lot(client, world, staged):
    return client.post(reverse("fulfilment_allocation:release_hold"), {"lot": world.lot.pk})


def _lot_hold(world, staged):
    return Lot.objects.filter(pk=world.lot.pk).values_list("held_at", flat=True).get()


def _order_on_two_lots(world, user):
    order = world.place()
    receive_stock(
        receipts=[
            Receipt(
                product=world.product,
                lot_number="L2",
                expiry_date=TODAY + timedelta(days=200),
                quantity=5,
                location=world.location,
            )
        ],
        user=StaffFactory(),
    )
    return Allocation.objects.get(order_line_id=order.lines.get().pk)


def _reallocate(client, world, staged):
    return client.post(
        reverse("fulfilment_allocation:reallocate"), {"allocation": staged.pk, "to_lot": "", "reason": "Damaged"}
    )


def _allocations_of(world, staged):
    return sorted(
        Allocation.objects.filter(order_line_id=staged.order_line_id, released_at__isnull=True).values_list(
            "lot__number", "quantity"
        )
    )


# --- end alloc ---


def _return(world, user, *, state=ReturnRequest.State.REQUESTED):
    """A return of one unit of a delivered line of the customer's order (rows: shipping is not
    the subject here)."""
    order = world.place()
    line = order.lines.get()
    shipment = Shipment.objects.create(
        number=f"SH-{order.number}",
        order=order,
        carrier="Van",
        shipped_by=world.staff[roles.WAREHOUSE],
        state=Shipment.State.DELIVERED,
    )
    shipped = ShipmentLine.objects.create(shipment=shipment, order_line=line, lot=world.lot, quantity=1)
    return_request = ReturnRequest.objects.create(
        number=f"RMA-{order.number}",
        order=order,
        company=world.company,
        requested_by=world.buyer,
        reason="damaged",
        state=state,
    )
    ReturnLine.objects.create(
        request=return_request,
        shipment_line=shipped,
        order_line=line,
        lot=world.lot,
        quantity=1,
        unit_price=line.unit_price,
        tax_rate=line.tax_rate,
    )
    return return_request


def _approved_return(world, user):
    return _return(world, user, state=ReturnRequest.State.APPROVED)


def _approve_return(client, world, return_request):
    return client.post(reverse("fulfilment_returns:decide", args=[return_request.pk]), {"decision": "approve"})


def _return_state(world, return_request):
    return ReturnRequest.objects.get(pk=return_request.pk).state


def _receive_return(client, world, return_request):
    line = return_request.lines.get()
    return client.post(
        reverse("fulfilment_returns:receive", args=[return_request.pk]),
        {f"outcome-{line.pk}": "restock", f"location-{line.pk}": world.location.pk},
    )


def _only(*role_names) -> frozenset[str]:
    return frozenset(role_names)


def _make_offer(client, world, staged):
    """A price for the customer's lot L1 (portal.dashboards.offers; catalog.short_dated)."""
    return client.post(
        reverse("stock_offers:make", args=[world.product.pk]),
        {
            "lots": [world.lot.pk],
            "companies": [world.company.pk],
            "unit_price": "60.00",
            "currency": "CNY",
            "valid_until": (TODAY + timedelta(days=5)).isoformat(),
        },
    )


def _offers(world, staged):
    return sorted(ShortDatedOffer.objects.values_list("product_id", "unit_price"))


ACTIONS: dict[str, Action] = {
    "change credit limit and terms": Action(
        _only(roles.FINANCE), "accounts.change_credit_terms", _change_credit_terms, _credit_terms
    ),
    "release a credit hold": Action(
        _only(roles.FINANCE), "accounts.change_credit_terms", _decide("approve"), _order_state, _held_order
    ),
    "reject a credit hold": Action(
        _only(roles.FINANCE), "accounts.change_credit_terms", _decide("reject", "Unpaid"), _order_state, _held_order
    ),
    "approve an order": Action(
        _only(roles.ORDER_APPROVER), None, _decide("approve"), _order_state, _order_for_the_approvers
    ),
    "reject an order": Action(
        _only(roles.ORDER_APPROVER), None, _decide("reject", "Too big"), _order_state, _order_for_the_approvers
    ),
    "receive stock": Action(_only(roles.WAREHOUSE), "catalog.add_stockmove", _receive, _on_hand),
    "adjust stock": Action(
        _only(roles.WAREHOUSE),
        "catalog.add_stockmove",
        _move_stock("catalog_stock:adjust", -3, "Counted 47"),
        _on_hand,
    ),
    "write off stock": Action(
        _only(roles.WAREHOUSE),
        "catalog.add_stockmove",
        _move_stock("catalog_stock:write_off", 2, "Thawed in transit"),
        _on_hand,
    ),
    "import stock receipts": Action(
        _only(roles.WAREHOUSE), "catalog.add_stockmove", _import_receipts, _on_hand, _stage_receipts
    ),
    "edit a price list": Action(_only(roles.MANAGER), "catalog.change_pricelist", _edit_price_list, _prices),
    "rename a price tier": Action(_only(roles.MANAGER), "accounts.change_pricetier", _rename_tier, _tier_names, _tier),
    "import prices": Action(_only(roles.MANAGER), "catalog.change_pricelist", _import_prices, _prices, _stage_prices),
    # A recall puts the lot on quality hold (and tells its receivers: tests/fulfilment/test_trace.py).
    "recall a lot": Action(_only(roles.WAREHOUSE, roles.MANAGER), "fulfilment.recall_lot", _recall, _held),
    "put a lot on quality hold": Action(_only(roles.WAREHOUSE), "catalog.change_allocation", _hold_lot, _lot_hold),
    "release a quality hold": Action(
        _only(roles.WAREHOUSE), "catalog.change_allocation", _release_lot, _lot_hold, _held_lot
    ),
    "re-allocate an order's stock": Action(
        _only(roles.WAREHOUSE), "catalog.change_allocation", _reallocate, _allocations_of, _order_on_two_lots
    ),
    "place an order for a customer": Action(
        _only(roles.SALES_REP), "ordering.add_order", _place_for_customer, _orders_of_the_customer, _cart_of_the_actor
    ),
    "create a pick list": Action(
        _only(roles.WAREHOUSE), "fulfilment.add_picklist", _create_pick_list, _pick_lists_of, _approved_order
    ),
    # A short pick puts the shortfall on backorder and takes it off the lot's on-hand.
    "confirm a short pick": Action(
        _only(roles.WAREHOUSE), "fulfilment.change_pickline", _confirm_short_pick, _on_hand, _pick_list_to_confirm
    ),
    # Returns: the customer's rep (or the sales director) decides; the warehouse puts the goods back.
    "approve a return": Action(
        _only(roles.SALES_REP, roles.ORDER_APPROVER),
        "fulfilment.decide_returnrequest",
        _approve_return,
        _return_state,
        _return,
    ),
    "receive a return into stock": Action(
        _only(roles.WAREHOUSE), "fulfilment.receive_returnrequest", _receive_return, _on_hand, _approved_return
    ),
    "make a short-dated offer": Action(
        frozenset({roles.SALES_REP, roles.MANAGER}), "catalog.add_shortdatedoffer", _make_offer, _offers
    ),
}


def test_the_matrix_knows_every_role():
    assert set(ROLES) == set(roles.ROLE_LABELS)
    for name, action in ACTIONS.items():
        assert action.allowed <= set(ROLES), name


@pytest.mark.parametrize("name", [name for name, action in ACTIONS.items() if action.permission])
def test_the_role_table_agrees_with_the_matrix(name):
    """accounts.roles grants the permission behind each action to exactly the roles DOMAIN.md
    allows."""
    action = ACTIONS[name]
    granted = {role for role, permissions in roles.STAFF_GROUP_PERMISSIONS.items() if action.permission in permissions}
    assert granted == action.allowed


def test_the_approval_rules_can_only_send_orders_to_roles_that_see_them():
    # Approvals are not a permission but a rule's group; the group must see orders to decide them.
    assert "ordering.view_order" in roles.STAFF_GROUP_PERMISSIONS[roles.ORDER_APPROVER]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_staff_role_matrix(name, role, world):
    action = ACTIONS[name]
    user = world.staff[role]
    staged = action.prepare(world, user)
    before, effect_before = _money_and_stock(), action.effect(world, staged)

    response = action.perform(_signed_in(user), world, staged)

    assert response.status_code < 500
    if role in action.allowed:
        assert action.effect(world, staged) != effect_before, f"{role} could not {name}"
    else:
        assert _money_and_stock() == before, f"{role} could {name}"
