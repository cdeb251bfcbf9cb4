"""What the warehouse's screens need in the bench database: a warehouse user, pick lists (being
picked, picked and not shipped, and the done lists of what has shipped), shipments, a lot that
reached 500 customers and a shipment of 40 lines with its stored delivery note. A step of
bench/generate.py, after the back office's orders (bench/generate_backoffice.py), whose order
states it follows:

- `approved` orders stay on no pick list: the queue's "to pick" section (about 5,000 at large).
- `picking` orders are on pick lists of WAVE orders: two thirds on lists being picked (half of
  their picks confirmed), a third on done lists whose picks have not shipped.
- `shipped`, `delivered` and `closed` orders went out: a done pick list per wave, one shipment
  per order (delivered for delivered and closed orders), a shipment line and a pick per order
  line, the pick pointing at the shipment. SHIPPED_TODAY of the shipped ones left today.
- The recall lot (`RECALL_LOT_NUMBER`): one new delivered order for each company that has orders
  (500 at large), each with one line of the lot's product shipped from the lot, and HOLDERS
  approved orders still holding it (open allocations). Its ledger agrees: a receipt, one
  shipment move per shipment, `allocated` equal to the open allocations.
- The 40-line shipment (`NOTE_ORDER_NUMBER`): an order of the third company (its buyer downloads
  the note) with NOTE_LINES lines of different products, shipped in one shipment whose delivery
  note is rendered and stored once (`ordering.fulfilment.documents.store_delivery_note`).

Picks and shipment lines take a lot of the line's product lying in the bench warehouse (lines of
products without stock are left out of them). The historical shipments write no ledger moves:
the generated lots stand for what is in the warehouse now; the recall lot's ledger is complete.
Credit accounts take the new orders' totals, as accounts/credit.py keeps them.
"""

import random
import uuid
from datetime import timedelta
from decimal import Decimal

BENCH_WAREHOUSE_EMAIL = "bench-warehouse@bench.example"
RECALL_LOT_NUMBER = "L-RECALL-500"
NOTE_ORDER_NUMBER = "BENCHF-NOTE-40"
NOTE_LINES = 40
WAVE = 5  # orders per pick list
SHIPPED_TODAY = 60
HOLDERS = 20  # approved orders still holding the recall lot
RECALL_SHIPPED_EACH = 2


def warehouse_user(generator, password: str):
    """The warehouse's user (Warehouse role) with a TOTP authenticator (staff MFA stays on)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    from accounts import roles
    from accounts.models import User

    user = User.objects.create(
        email=BENCH_WAREHOUSE_EMAIL, first_name="Bench", last_name="Warehouse", is_staff=True, password=password
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    user.groups.set(Group.objects.filter(name=roles.WAREHOUSE))
    TOTP.activate(user, generate_totp_secret())
    generator.counts["warehouse users"] = 1
    return user


class Stock:
    """Where each product's lots lie in the warehouse: (lot, location, zone) per product."""

    def __init__(self, warehouse):
        from catalog.models import StockLevel

        self.by_product: dict[int, list[tuple[int, int, str]]] = {}
        levels = (
            StockLevel.objects.filter(location__warehouse=warehouse, quantity__gt=0)
            .order_by("lot_id")
            .values_list("lot__product_id", "lot_id", "location_id", "location__zone")
        )
        for product_id, lot_id, location_id, zone in levels:
            self.by_product.setdefault(product_id, []).append((lot_id, location_id, zone))

    def place(self, rng, product_id):
        places = self.by_product.get(product_id)
        return rng.choice(places) if places else None


def _new_orders(plans, *, prefix: str) -> list[int]:
    """COPY orders with their lines; `plans` are (company, buyer, state, placed_at, lines) with
    lines (product, quantity, allocated). Returns the new orders' ids in plan order."""
    from bench.generate import copy_rows
    from ordering.models import Order, OrderLine

    rows = []
    for n, (company, buyer, state, placed_at, lines) in enumerate(plans, start=1):
        subtotal = sum(Decimal("10.00") * quantity for _p, quantity, _a in lines)
        tax = sum((Decimal("10.00") * quantity * product.tax_rate / 100).quantize(Decimal("0.01"))
                  for product, quantity, _a in lines)  # fmt: skip
        rows.append(
            (
                company.pk, f"{prefix}-{n:05d}" if len(plans) > 1 else prefix, state, buyer, "", "",
                f"{company.display_name}, 1 Harbour Road", "CNY", subtotal, tax, subtotal + tax, "[]",
                uuid.uuid4(), placed_at,
            )
        )  # fmt: skip
    copy_rows(
        Order,
        ["company_id", "number", "state", "placed_by_id", "po_number", "notes", "ship_to_text", "currency", "subtotal",
         "tax_total", "total", "hold_reasons", "idempotency_key", "placed_at"],
        rows,
    )  # fmt: skip
    numbers = [row[1] for row in rows]
    ids = dict(Order.objects.filter(number__in=numbers).values_list("number", "pk"))
    order_ids = [ids[number] for number in numbers]

    def line_rows():
        for order_id, (_c, _b, _s, _at, lines) in zip(order_ids, plans, strict=True):
            for product, quantity, allocated in lines:
                total = Decimal("10.00") * quantity
                yield (
                    order_id, product.pk, product.sku, product.name_en, product.name_zh, product.sales_unit,
                    quantity, allocated, quantity - allocated, Decimal("10.00"), "default", "", "", product.tax_rate,
                    total, (total * product.tax_rate / 100).quantize(Decimal("0.01")),
                )  # fmt: skip

    copy_rows(
        OrderLine,
        ["order_id", "product_id", "sku", "name_en", "name_zh", "sales_unit", "quantity", "allocated_quantity",
         "backorder_quantity", "unit_price", "price_source", "price_list_name", "price_list_name_zh", "tax_rate",
         "line_total", "tax_amount"],
        line_rows(),
    )  # fmt: skip
    from django.db.models import F

    from accounts.models import CreditAccount

    for (company, _b, state, _at, _l), row in zip(plans, rows, strict=True):
        if state in ("approved", "picking", "shipped", "delivered"):
            updated = CreditAccount.objects.filter(company_id=company.pk).update(
                approved_uninvoiced=F("approved_uninvoiced") + row[9]
            )
            if not updated:
                CreditAccount.objects.create(
                    company_id=company.pk, approved_uninvoiced=row[9], open_invoices=Decimal("0.00")
                )
    return order_ids


def pick_lists_and_shipments(generator, user, warehouse, stock: Stock) -> None:
    """Pick lists and shipments for the back office's picking and shipped orders."""
    from django.utils import timezone

    from bench.generate import copy_rows
    from ordering.fulfilment.models import PickLine, PickList, Shipment, ShipmentLine
    from ordering.models import Order, OrderLine

    rng = random.Random(generator.rng.random())
    now = timezone.now()
    orders = list(
        Order.objects.filter(number__startswith="BENCH-", state__in=["picking", "shipped", "delivered", "closed"])
        .order_by("pk")
        .values_list("pk", "state", "placed_at")
    )
    lines_of: dict[int, list] = {}
    for line_id, order_id, product_id, quantity in (
        OrderLine.objects.filter(order_id__in=[pk for pk, _s, _at in orders])
        .order_by("pk")
        .values_list("pk", "order_id", "product_id", "quantity")
    ):
        lines_of.setdefault(order_id, []).append((line_id, product_id, quantity))

    picking = [o for o in orders if o[1] == "picking"]
    gone = [o for o in orders if o[1] != "picking"]
    # (orders, list state, picked share, shipped)
    waves = []
    for index in range(0, len(picking), WAVE):
        wave = picking[index : index + WAVE]
        waves.append((wave, "done", 1.0) if (index // WAVE) % 3 == 0 else (wave, rng.choice(["open", "picking"]), 0.5))
    for index in range(0, len(gone), WAVE):
        waves.append((gone[index : index + WAVE], "done", 1.0))

    # Shipments first: the picks of shipped orders point at them.
    today_left = 0
    shipment_rows, shipped_at_of = [], {}
    for n, (order_id, state, placed_at) in enumerate(gone, start=1):
        shipped_at = min(placed_at + timedelta(hours=rng.randint(20, 60)), now - timedelta(minutes=5))
        if state == "shipped" and today_left < SHIPPED_TODAY:
            shipped_at = now - timedelta(minutes=rng.randint(5, 120))
            today_left += 1
        shipped_at_of[order_id] = shipped_at
        delivered = state != "shipped"
        shipment_rows.append(
            (
                f"SH-B{n:07d}", order_id, "delivered" if delivered else "shipped", f"Van {rng.randint(1, 12)}",
                shipped_at, user.pk, shipped_at + timedelta(hours=20) if delivered else None,
                "Receiving dock" if delivered else "", False, "",
            )
        )  # fmt: skip
    columns = ["number", "order_id", "state", "carrier", "shipped_at", "shipped_by_id", "delivered_at",
               "received_by", "temperature_flagged", "delivery_note"]  # fmt: skip
    generator.counts["shipments"] = copy_rows(Shipment, columns, shipment_rows)
    shipment_of = dict(Shipment.objects.filter(number__startswith="SH-B").values_list("order_id", "pk"))

    list_rows = []
    for n, (wave, list_state, _share) in enumerate(waves, start=1):
        created = min(at for _o, _s, at in wave) + timedelta(hours=2)
        started = created + timedelta(minutes=10) if list_state != "open" else None
        completed = started + timedelta(hours=1) if list_state == "done" else None
        list_rows.append((f"PL-B{n:06d}", warehouse.pk, list_state, user.pk, created, started, completed))
    generator.counts["pick lists"] = copy_rows(
        PickList, ["number", "warehouse_id", "state", "created_by_id", "created_at", "started_at", "completed_at"],
        list_rows,
    )  # fmt: skip
    list_ids = list(PickList.objects.filter(number__startswith="PL-B").order_by("number").values_list("pk", flat=True))
    copy_rows(
        PickList.orders.through,
        ["picklist_id", "order_id"],
        ((list_id, order_id) for list_id, (wave, _s, _p) in zip(list_ids, waves, strict=True) for order_id, *_ in wave),
    )

    pick_rows, shipment_line_rows = [], []
    for list_id, (wave, list_state, share) in zip(list_ids, waves, strict=True):
        sequence = 0
        for order_id, _state, _at in wave:
            shipment_id = shipment_of.get(order_id)
            for line_id, product_id, quantity in lines_of.get(order_id, []):
                place = stock.place(rng, product_id)
                if place is None:
                    continue
                lot_id, location_id, zone = place
                sequence += 1
                picked = list_state == "done" or rng.random() < share
                picked_at = (shipped_at_of[order_id] - timedelta(hours=1)) if shipment_id else now - timedelta(hours=1)
                pick_rows.append(
                    (
                        list_id, line_id, 0, lot_id, location_id, zone, sequence, quantity,
                        quantity if picked else None, 0, user.pk if picked else None,
                        picked_at if picked else None, shipment_id,
                    )
                )  # fmt: skip
                if shipment_id:
                    shipment_line_rows.append((shipment_id, line_id, lot_id, quantity))
    generator.counts["picks"] = copy_rows(
        PickLine,
        ["pick_list_id", "order_line_id", "allocation_id", "lot_id", "location_id", "zone", "sequence", "quantity",
         "picked_quantity", "shortfall", "picked_by_id", "picked_at", "shipment_id"],
        pick_rows,
    )  # fmt: skip
    generator.counts["shipment lines"] = copy_rows(
        ShipmentLine, ["shipment_id", "order_line_id", "lot_id", "quantity"], shipment_line_rows
    )


def recall_lot(generator, user, warehouse, stock: Stock) -> None:
    """A lot shipped to every company with orders (500 at large), and still held by HOLDERS orders."""
    from django.utils import timezone

    from accounts.models import Company, Membership
    from bench.generate import copy_rows
    from catalog.models import Allocation, Location, Lot, Product, StockLevel, StockMove
    from ordering.fulfilment.models import Shipment, ShipmentLine
    from ordering.models import OrderLine

    rng = random.Random(generator.rng.random())
    now = timezone.now()
    product = Product.objects.filter(active=True, temperature_zone="frozen").order_by("pk").first()
    location = Location.objects.filter(warehouse=warehouse, zone=product.temperature_zone).order_by("code").first()
    buyer_of = dict(Membership.objects.values_list("company_id", "user_id"))
    receivers = list(Company.objects.filter(orders__number__startswith="BENCH-").distinct().order_by("pk"))
    holders = list(Company.objects.exclude(pk__in=[c.pk for c in receivers]).order_by("pk")[1 : HOLDERS + 1])
    shipped_total = RECALL_SHIPPED_EACH * len(receivers)
    held_each = 5
    received = shipped_total + held_each * len(holders) + 200
    today = timezone.localdate()
    lot = Lot.objects.create(
        product=product, number=RECALL_LOT_NUMBER, production_date=today - timedelta(days=60),
        expiry_date=today + timedelta(days=300), on_hand=received - shipped_total, allocated=held_each * len(holders),
    )  # fmt: skip
    StockLevel.objects.create(lot=lot, location=location, quantity=lot.on_hand)
    moves = [("receipt", lot.pk, location.pk, received, "Bench data", "BENCH-RCPT-RECALL", None,
              now - timedelta(days=50))]  # fmt: skip

    delivered = [
        (company, buyer_of[company.pk], "delivered", now - timedelta(days=rng.randint(3, 45)),
         [(product, RECALL_SHIPPED_EACH, RECALL_SHIPPED_EACH)])
        for company in receivers
    ]  # fmt: skip
    held = [
        (company, buyer_of[company.pk], "approved", now - timedelta(hours=rng.randint(1, 48)),
         [(product, held_each, held_each)])
        for company in holders
    ]  # fmt: skip
    delivered_ids = _new_orders(delivered, prefix="BENCHF-RCL")
    held_ids = _new_orders(held, prefix="BENCHF-HLD")
    line_of = dict(OrderLine.objects.filter(order_id__in=delivered_ids + held_ids).values_list("order_id", "pk"))

    shipments = []
    for n, (order_id, plan) in enumerate(zip(delivered_ids, delivered, strict=True), start=1):
        shipped_at = plan[3] + timedelta(hours=24)
        shipments.append((f"SH-R{n:07d}", order_id, "delivered", "Van 3", Decimal("-20.0"), shipped_at, user.pk,
                          shipped_at + timedelta(hours=20), "Receiving dock", False, ""))  # fmt: skip
    copy_rows(
        Shipment,
        ["number", "order_id", "state", "carrier", "dispatch_temperature", "shipped_at", "shipped_by_id",
         "delivered_at", "received_by", "temperature_flagged", "delivery_note"],
        shipments,
    )  # fmt: skip
    shipment_of = dict(Shipment.objects.filter(number__startswith="SH-R").values_list("order_id", "pk"))
    copy_rows(
        ShipmentLine,
        ["shipment_id", "order_line_id", "lot_id", "quantity"],
        ((shipment_of[order_id], line_of[order_id], lot.pk, RECALL_SHIPPED_EACH) for order_id in delivered_ids),
    )
    moves += [
        ("shipment", lot.pk, location.pk, -RECALL_SHIPPED_EACH, "", number, user.pk, shipped_at)
        for number, _o, _s, _c, _t, shipped_at, *_ in shipments
    ]
    copy_rows(StockMove, ["kind", "lot_id", "location_id", "quantity", "reason", "reference", "user_id",
                          "created_at"], moves)  # fmt: skip
    Allocation.objects.bulk_create(
        [
            Allocation(lot=lot, company=company, order_line_id=line_of[order_id], quantity=held_each)
            for company, order_id in zip(holders, held_ids, strict=True)
        ]
    )
    generator.counts["recall lot receivers"] = len(receivers)
    generator.counts["recall lot holders"] = len(holders)


def forty_line_shipment(generator, user, stock: Stock) -> None:
    """An order of NOTE_LINES lines shipped in one shipment, its delivery note stored."""
    from django.utils import timezone

    from accounts.models import Membership
    from catalog.models import Product
    from ordering.fulfilment.documents import store_delivery_note
    from ordering.fulfilment.models import Shipment, ShipmentLine
    from ordering.models import OrderLine

    rng = random.Random(generator.rng.random())
    now = timezone.now()
    company = generator.companies[2]  # the first company with orders; never company 1
    buyer = Membership.objects.filter(company=company).order_by("pk").values_list("user_id", flat=True).first()
    stocked = [pk for pk in sorted(stock.by_product)]
    products = list(Product.objects.filter(pk__in=rng.sample(stocked, NOTE_LINES)).order_by("pk"))
    quantities = [rng.randint(1, 30) for _ in products]
    lines = [(product, quantity, quantity) for product, quantity in zip(products, quantities, strict=True)]
    plan = [(company, buyer, "shipped", now - timedelta(days=1), lines)]
    (order_id,) = _new_orders(plan, prefix=NOTE_ORDER_NUMBER)
    shipment = Shipment.objects.create(
        number="SH-NOTE40", order_id=order_id, carrier="Van 7", dispatch_temperature=Decimal("-19.5"), shipped_by=user
    )
    lines = list(OrderLine.objects.filter(order_id=order_id).order_by("pk"))
    ShipmentLine.objects.bulk_create(
        [
            ShipmentLine(
                shipment=shipment,
                order_line=line,
                lot_id=stock.place(rng, line.product_id)[0],
                quantity=line.quantity,
                weight_kg=Decimal(line.quantity * 2) if index % 4 == 0 else None,
            )
            for index, line in enumerate(lines)
        ]
    )
    shipment = Shipment.objects.select_related("order__company", "order__placed_by").get(pk=shipment.pk)
    stored = store_delivery_note(shipment)
    generator.counts["delivery note bytes"] = stored.size
    generator.note_shipment = shipment.number


def fulfilment(generator) -> None:
    from django.contrib.auth.hashers import make_password

    from bench.generate import BENCH_PASSWORD
    from catalog.models import Warehouse

    user = warehouse_user(generator, make_password(BENCH_PASSWORD))
    warehouse = Warehouse.objects.get(code="bench-main")
    stock = Stock(warehouse)
    pick_lists_and_shipments(generator, user, warehouse, stock)
    recall_lot(generator, user, warehouse, stock)
    forty_line_shipment(generator, user, stock)


def main() -> None:
    """Add the fulfilment data to a bench database generated without it (no drop, no migrate):
    `python bench/generate_fulfilment.py`. generate.py runs the same step itself."""
    import os
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != root / "bench"]
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.db import transaction

    from accounts.models import Company
    from ordering.fulfilment.models import Shipment

    if Shipment.objects.exists():
        raise SystemExit("This bench database has shipments already: run bench/generate.py for a fresh one.")

    class Step:
        rng = random.Random(20261207)
        counts: dict[str, int] = {}
        companies = list(Company.objects.order_by("pk"))

    started = time.monotonic()
    with transaction.atomic():
        fulfilment(Step)
    for label, count in Step.counts.items():
        print(f"  {label:<22} {count:>9,}")
    print(f"Done in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
