"""Twelve months of order history for `manage.py seed_demo`: ColdChain Foods' customers order.

The rhythm
----------
Each demo company orders to its own rhythm over the last year (PROFILES): the restaurants, the
tea house and the caterer weekly on the same weekday, the hotels and the bakery every other week
(bigger baskets), the supermarket chain and the farm monthly, the school canteens weekly in term
time only, the vet clinic now and then. Jade Garden orders only since it became a customer this
quarter, Spicy Road only until it was suspended. Baskets come from each company's "usual"
products (staples nearly every time, the others now and then, once in a while something new),
with more of everything and festive extras in the weeks before Chinese New Year and the
Mid-Autumn Festival; the cold store is closed over the Spring Festival. A random.Random seeded
per company and per order makes a run on a given day always produce the same orders. That is
about 360 orders of 3–14 lines (small baskets and fortnightly hotels keep the seed fast: every
order goes through the services, about 140 queries each).

On top of the rhythm a few recent ad-hoc orders (SCENARIOS) put something in every state today:
awaiting the customer's approver (a buyer over her spending limit), awaiting the sales director
(the approval rules seeded here: "Orders of ¥20,000 or more" and "First order of a new
customer"), on credit hold (a prepaid customer waiting to pay by card, and the farm near its
credit limit), confirmed (one of them, the farm's, holding a short-dated lot), being picked
(half its picks confirmed), partly shipped (picked short on two lines), shipped, rejected (by a
customer's approver, by the director and by finance, each with a reason) and cancelled (with a
reason).

How an order is made
--------------------
Through ordering.services, as the people involved would: the buyer (now and then a colleague,
or the sales rep on the customer's behalf) fills a cart with add_to_cart, quote_cart gives the
total, place_order places it with that total and a deterministic idempotency key (uuid5 of the
company's tax number and the date), and the decisions are taken by whoever's job they are
(decide_customer_approval, release_credit_hold, decide_staff_approval, cancel_order). Prices
and their sources, allocations, approval steps, credit and events are what the services make
of it. The warehouse's steps are fulfilment's verbs, by the warehouse user (portal.demo.fulfilment:
a pick list, picking started, every pick confirmed, shipped with a carrier and temperatures), the
delivery is signed for by the customer's receiver (confirm_delivery, by no staff user), and
closing goes through ordering.states.transition by no one (the system).

Orders are placed in date order with today's prices and stock rules, then backdated: the
placement time, the event times, the approval steps' due and decision times, the allocations'
and stock moves' times, the pick lists', picks' and shipments' times are set to the historic
ones with queryset updates, which is fine for demo data. A history order takes each step only
once its time has come (placed on Friday at 11:00, picked on Saturday at 04:30, shipped,
delivered by mid-morning, closed a week later), so last week's orders are still delivered and
today's only confirmed. place_order numbers by the
current year, so afterwards the orders placed last year are renumbered into last year's
sequence (gapless per year, in date order, as if placed on the day).

Stock
-----
History must not eat today's demo stock, and the ledger must stay consistent. So, before
placing, one history lot per product, HIST-<sku>, is received (catalog.services.receive_stock)
with exactly what the planned orders take of it. Its expiry is the first that the strictest
shelf-life rule among the demo companies accepts, outside the expiry warning; a product with a
demo lot that would come before it in FEFO for some company (expiring between what that company
accepts and the history lot's expiry) is left out of that company's usual products, so every
allocation lands on a history lot (checked after each placement: a miss stops the seed; the
farm's short-dated order alone takes a demo lot, on purpose). All history lots lie in the
Shanghai cold store, so each order is picked on one list. The recalled product's history lot
is the recalled lot (portal.demo.catalog.RECALLED_LOT), recalled once the history is written.
Goods leave through fulfilment's shipments (catalog.allocation.ship: one shipment move per
pick); at the end what cancelled and rejected orders gave back is written off as sold
elsewhere. A history lot thus ends with on hand = allocated = what open orders (waiting for a
decision, confirmed, being picked) still hold: availability stays as portal.demo.catalog seeded
it, every lot's moves add up to its on hand and its allocated quantity to its unreleased
allocations.

Credit
------
Confirming an order adds its total to CreditAccount.approved_uninvoiced (ordering.services).
Billing's part of the demo (portal/demo/billing.py, the next step) invoices every shipment, which
moves the order's approved exposure to open invoices (billing's ExposureRelease), and books the
customers' payments. So, for every company, approved_uninvoiced = the totals of its approved
orders less what their invoices released: confirmed and picking orders in full, and the shipments
of a 月结 company's current month, which wait for next month's invoice.

Re-running
----------
A company that already has orders (from an earlier seed, even on another day, or placed in the
demo) keeps them and gets none: seeding twice creates nothing, and re-seeding next month adds no
second year. The approval rules are brought back in line like the rest of the demo data.

Inside the seed transaction
---------------------------
`manage.py seed_demo` runs every step in one transaction, while place_order opens a durable one
(in production it must commit on its own). The seed calls it with `durable=False`, so its block
nests as a savepoint and everything commits, or not, with the seed. Notifications queued for
after commit by history orders are dropped (nobody should get a year of "order placed"
e-mails); those of the recent ad-hoc orders go out, so approvers and finance find them in
their bell.
"""

import random
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import roles
from accounts.models import Address, Company, Membership, User
from catalog.models import Allocation, Location, Lot, Product, StockMove
from catalog.offers import licence_refusal, licences_on_file, snap_quantity
from catalog.pricing import PriceBook, price_book
from catalog.selectors import visible_products
from catalog.services import Receipt, receive_stock, write_off_stock
from catalog.stock import earliest_sellable_expiry
from ordering import services, states
from ordering.approval import ApprovalRule, ApprovalStep
from ordering.fulfilment.models import LotRecall, PickList, ReturnRequest, Shipment
from ordering.models import Cart, CartLine, Order, OrderEvent, OrderNumberSequence, OrderState

from . import data
from .catalog import RECALLED_LOT, RECALLED_PRODUCT
from .fulfilment import HISTORY_WAREHOUSE, DemoWarehouse, recall_demo_lot, render_recent_notes, seed_demo_returns
from .people import company_by_key

S = OrderState
APPROVED_NOT_INVOICED = {S.APPROVED, S.PICKING, S.PARTLY_SHIPPED, S.SHIPPED}
HISTORY_LOT_PREFIX = "HIST-"
SOLD_ELSEWHERE_REASON = "Demo history: given back by cancelled or rejected orders, sold elsewhere"
CENT = Decimal("0.01")
KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://tradecounter.example/demo/orders")

# ---------------------------------------------------------------------------------------------
# Approval rules (staff configure them in the back office; these are the demo's)
# ---------------------------------------------------------------------------------------------

APPROVAL_RULES = [
    {
        "name": "Orders of ¥20,000 or more",
        "condition": ApprovalRule.Condition.TOTAL_AT_LEAST,
        "amount": Decimal("20000.00"),
        "group": roles.ORDER_APPROVER,
        "step": 1,
        "decide_within_hours": 24,
    },
    {
        "name": "First order of a new customer",
        "condition": ApprovalRule.Condition.FIRST_ORDER,
        "amount": None,
        "group": roles.ORDER_APPROVER,  # the sales director
        "step": 1,
        "decide_within_hours": 24,
    },
]

# ---------------------------------------------------------------------------------------------
# Festivals (the dates move with the lunar calendar) and school terms
# ---------------------------------------------------------------------------------------------

CHINESE_NEW_YEAR = {
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}
MID_AUTUMN = {
    2024: date(2024, 9, 17),
    2025: date(2025, 10, 6),
    2026: date(2026, 9, 25),
    2027: date(2027, 9, 15),
    2028: date(2028, 10, 3),
    2029: date(2029, 9, 22),
    2030: date(2030, 9, 12),
}
# (festival dates, weeks-before window in days, quantity factor, words of festive extras)
SEASONS = [
    (CHINESE_NEW_YEAR, 21, 1.6, ("tangyuan", "dumplings", "abalone", "scallop", "prawn", "shrimp", "char siu")),
    (MID_AUTUMN, 14, 1.4, ("abalone", "crayfish", "duck", "pomfret", "salmon")),
]
CLOSED_AROUND_NEW_YEAR = (-1, 4)  # the cold store closes from New Year's Eve to the fourth day


def _festival(table: dict[int, date], day: date) -> date | None:
    """The festival on or after `day` in this or next year's table (None beyond the table)."""
    for year in (day.year, day.year + 1):
        festival = table.get(year)
        if festival is not None and festival >= day:
            return festival
    return None


def season(day: date) -> tuple[float, tuple[str, ...]]:
    for table, window, factor, words in SEASONS:
        festival = _festival(table, day)
        if festival is not None and festival - timedelta(days=window) <= day < festival:
            return factor, words
    return 1.0, ()


def cold_store_closed(day: date) -> bool:
    new_year = CHINESE_NEW_YEAR.get(day.year)
    if new_year is None:
        return False
    first, last = CLOSED_AROUND_NEW_YEAR
    return new_year + timedelta(days=first) <= day <= new_year + timedelta(days=last)


def in_school_term(day: date) -> bool:
    """Nanjing school terms, roughly: September until three weeks before the Spring Festival, then
    from two weeks after it until early July; out for the National Day and May Day holidays."""
    if (7, 5) <= (day.month, day.day) <= (8, 31):
        return False
    if (day.month == 10 and day.day <= 7) or (day.month == 5 and day.day <= 5):
        return False
    new_year = CHINESE_NEW_YEAR.get(day.year)
    return not (new_year and new_year - timedelta(days=21) <= day <= new_year + timedelta(days=14))


# ---------------------------------------------------------------------------------------------
# Who orders what, and when
# ---------------------------------------------------------------------------------------------

WEEKLY, FORTNIGHTLY, MONTHLY, TERM_WEEKS, NOW_AND_THEN = "weekly", "fortnightly", "monthly", "term", "occasional"
MON, TUE, WED, THU, FRI, SAT = range(6)


@dataclass(frozen=True)
class Profile:
    """How one company orders. `day` is a weekday (0 = Monday), or the day of the month for
    monthly customers; `steps` is the usual quantity per line in order steps (the product's
    minimum or multiple); `usual` says how many usual products come from which category."""

    rhythm: str
    day: int
    lines: tuple[int, int]
    steps: tuple[int, int]
    usual: dict[str, int]
    prefer: tuple[str, ...] = ()
    since_days: int = 364
    until_days: int = 0
    po: str = ""  # PO number pattern: {d} the date, {n} the order's number for this company
    notes: tuple[str, ...] = ()
    second_site: float = 0.0  # share of orders for the second shipping address


# fmt: off
PROFILES = {
    "bayside": Profile(
        WEEKLY, MON, (4, 7), (2, 5),
        {"frozen-seafood": 9, "frozen-meat-poultry": 4, "frozen-vegetables": 2, "chilled-sauces-dips": 2,
         "ambient-oils-condiments": 3, "chilled-dairy": 1},
        prefer=("shrimp", "squid", "scallop", "fish", "crab", "soy", "oyster"),
        notes=("Back entrance, 06:00–09:00 please.",), second_site=0.3,
    ),
    "jadegarden": Profile(
        WEEKLY, THU, (3, 5), (1, 3),
        {"frozen-dumplings": 8, "frozen-seafood": 2, "chilled-sauces-dips": 2, "ambient-oils-condiments": 2},
        prefer=("shrimp", "siu mai", "buns", "rice rolls", "chicken feet", "soy", "sesame"),
        since_days=80,
    ),
    "westlake": Profile(
        FORTNIGHTLY, TUE, (6, 9), (2, 5),
        {"frozen-meat-poultry": 5, "frozen-seafood": 5, "chilled-dairy": 4, "frozen-desserts": 3,
         "chilled-fresh-meat": 3, "ambient-beverages": 2, "frozen-vegetables": 2},
        prefer=("salmon", "cod", "beef", "lamb", "butter", "cream", "ice cream", "juice"),
        po="WLH-PO-{d:%y%m}{n:03d}", notes=("Receiving dock only; the clerk needs the delivery note.",),
    ),
    "freshmart": Profile(
        MONTHLY, 6, (8, 12), (8, 16),
        {"frozen-dumplings": 8, "frozen-vegetables": 6, "frozen-seafood": 4, "frozen-desserts": 3,
         "frozen-meat-poultry": 3},
        prefer=("dumplings", "tangyuan", "wontons", "peas", "corn", "fries", "ice cream", "fish balls"),
        po="FM-{d:%Y%m}-FZ{n:02d}", notes=("Deliver to dock 4; book a slot with the cold store.",),
    ),
    "mingde": Profile(
        TERM_WEEKS, FRI, (4, 6), (2, 6),
        {"frozen-meat-poultry": 4, "frozen-vegetables": 4, "frozen-dumplings": 2, "chilled-tofu-soy": 2,
         "ambient-dry-goods": 2, "ambient-oils-condiments": 2, "chilled-dairy": 1},
        prefer=("chicken", "pork", "broccoli", "carrots", "corn", "tofu", "rice", "milk", "steamed buns"),
        notes=("Food-safety certificate with every lot, please.",),
    ),
    "greenfields": Profile(
        MONTHLY, 20, (3, 5), (2, 6),
        {"veterinary-drugs": 4, "ambient-dry-goods": 2, "ambient-oils-condiments": 1, "frozen-meat-poultry": 2},
        prefer=("amoxicillin", "florfenicol", "doxycycline", "tilmicosin", "rice", "soybean oil", "pork"),
    ),
    "canton": Profile(
        WEEKLY, MON, (4, 7), (3, 8),
        {"frozen-meat-poultry": 5, "frozen-vegetables": 5, "ambient-dry-goods": 3, "ambient-oils-condiments": 3,
         "chilled-tofu-soy": 2, "frozen-seafood": 2},
        prefer=("chicken", "pork", "basa", "mixed vegetables", "broccoli", "rice", "soybean oil", "tofu", "10 kg"),
        po="CC-{d:%y%m%d}",
    ),
    "goldenwheat": Profile(
        FORTNIGHTLY, WED, (3, 4), (1, 3),
        {"chilled-dairy": 5, "frozen-desserts": 2, "ambient-dry-goods": 2, "ambient-packaging": 1},
        prefer=("butter", "cream", "cheese", "mascarpone", "egg tart", "flour", "sugar", "mango"),
    ),
    "szbayhotel": Profile(
        FORTNIGHTLY, THU, (5, 8), (2, 5),
        {"frozen-meat-poultry": 4, "frozen-seafood": 4, "frozen-dumplings": 3, "chilled-dairy": 3,
         "ambient-beverages": 3, "chilled-fresh-meat": 2},
        prefer=("char siu", "shrimp", "siu mai", "salmon", "beef", "milk", "yogurt", "water", "juice"),
        po="SZB-{d:%y%m%d}",
    ),
    "xiguan": Profile(
        WEEKLY, SAT, (4, 7), (2, 5),
        {"frozen-dumplings": 9, "frozen-seafood": 3, "chilled-sauces-dips": 2, "ambient-oils-condiments": 2,
         "frozen-meat-poultry": 2},
        prefer=("shrimp dumplings", "siu mai", "buns", "rice rolls", "chicken feet", "lotus", "radish", "xo"),
        notes=("Deliver before 06:00: morning tea starts at 06:30.",), second_site=0.35,
    ),
    "petcare": Profile(
        NOW_AND_THEN, TUE, (2, 3), (1, 3),
        {"ambient-packaging": 4},
        prefer=("gloves", "vacuum", "ice packs", "cool box"),
    ),
    "spicyroad": Profile(
        WEEKLY, TUE, (4, 6), (1, 3),
        {"frozen-meat-poultry": 5, "frozen-seafood": 2, "chilled-tofu-soy": 3, "chilled-sauces-dips": 2,
         "ambient-oils-condiments": 2},
        prefer=("hot pot", "tripe", "balls", "tofu", "sesame", "chili", "beef tallow"),
        until_days=110,  # suspended since: two invoices more than 90 days overdue
    ),
}
# fmt: on

# Who places a history order: mostly the buyer; sometimes the admin, the shared buyer of
# Bayside and Jade Garden, or the sales rep on the customer's behalf.
PLACERS = [("buyer", 78), ("rep", 8), ("admin", 6), ("shared", 8)]
CANCELLED_SHARE, REJECTED_SHARE = 0.025, 0.015
ANY_REASON = "*"  # a history order rejected with one of its decider's usual reasons
CANCEL_REASONS = [
    "Ordered twice by mistake.",
    "The chef changed the menu; we will order again next week.",
    "Our client cancelled the event.",
]
REJECT_REASONS = {
    "customer": [
        "Too much for this week: we still have stock from the last delivery.",
        "Please order the 10 kg cartons instead; they are cheaper per kilo.",
    ],
    "director": [
        "Please split this into two deliveries: the truck for that route is full.",
        "Some lines are priced below our floor for this customer; the rep will call with a new quote.",
    ],
    "finance": ["The card payment was declined; please pay by bank transfer and order again."],
}


@dataclass(frozen=True)
class Scenario:
    """A recent ad-hoc order that ends in `target` today. It is placed `days_ago` at `time`
    (local; a day earlier if that time has not come yet today). `total` aims the basket at
    roughly that total (tax included); `reject` is rejected at its first decision with that
    reason, `cancel` is cancelled by the buyer once confirmed."""

    label: str
    company: str
    days_ago: int
    time: str
    by: str
    target: str
    total: int | None = None
    reject: str = ""
    cancel: str = ""
    prefer: tuple[str, ...] = ()
    notes: str = ""
    delivery_days: int = 1
    short_dated: bool = False  # the basket is a short-dated demo lot (not a history lot)


# fmt: off
SCENARIOS = [
    Scenario("farm-vaccination", "greenfields", 2, "10:15", "admin", S.APPROVED, total=36000,
             prefer=("amoxicillin", "florfenicol", "doxycycline", "tilmicosin", "enrofloxacin"),
             notes="Vaccination round for the new piglets: deliver with the feed, please.", delivery_days=4),
    Scenario("farm-over-credit", "greenfields", 0, "09:40", "admin", S.CREDIT_HOLD, total=30000),
    Scenario("bayside-over-limit", "bayside", 0, "11:05", "buyer", S.AWAITING_CUSTOMER_APPROVAL, total=24000,
             notes="For the weekend banquet at the Bund kitchen."),
    Scenario("westlake-big", "westlake", 0, "10:20", "buyer", S.AWAITING_APPROVAL, total=25000,
             notes="Wedding banquet on Saturday, 40 tables."),
    Scenario("freshmart-promo", "freshmart", 1, "15:30", "buyer", S.AWAITING_APPROVAL, total=62000,
             notes="Stock for the hot pot season promotion in all 14 stores."),
    Scenario("jade-prepay", "jadegarden", 0, "09:10", "shared", S.CREDIT_HOLD, total=4500),
    Scenario("xiguan-topup", "xiguan", 0, "12:40", "buyer", S.APPROVED, total=6000, prefer=("shrimp dumplings",),
             notes="Top-up: we ran out of har gow."),
    Scenario("farm-short-dated", "greenfields", 1, "14:10", "admin", S.APPROVED, short_dated=True,
             notes="For the staff canteen this week: short-dated is fine, it will be eaten by Friday."),
    Scenario("canton-picking", "canton", 1, "13:50", "buyer", S.PICKING),
    Scenario("szbay-partly", "szbayhotel", 1, "10:05", "buyer", S.PARTLY_SHIPPED),
    Scenario("xiguan-shipped", "xiguan", 1, "16:20", "buyer", S.SHIPPED),
    Scenario("goldenwheat-declined", "goldenwheat", 3, "14:00", "buyer", S.REJECTED,
             reject=REJECT_REASONS["finance"][0]),
    Scenario("bayside-too-much", "bayside", 4, "10:30", "buyer", S.REJECTED, total=22000,
             reject="We still have squid and prawns from Monday; order again next week."),
    Scenario("szbay-split", "szbayhotel", 6, "11:00", "buyer", S.REJECTED, total=28000,
             reject="Please split this into two deliveries: the loading bay takes one pallet at a time."),
    Scenario("canton-cancelled", "canton", 2, "09:30", "buyer", S.CANCELLED,
             cancel="Our client's factory canteen is closed for an inspection; we will order next week."),
]
# fmt: on


# ---------------------------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------------------------


@dataclass
class Planned:
    company_key: str
    label: str  # "" for the rhythm, the scenario's label otherwise
    at: datetime
    lines: list[tuple[Product, int]]
    by: str
    target: str | None  # None: as far as the clock allows
    ship_to: Address
    history: bool = True
    reject: str = ""
    cancel: str = ""
    po_number: str = ""
    notes: str = ""
    delivery_days: int = 1
    key: uuid.UUID | None = None
    short_dated: bool = False


def order_key(company: Company, day: date, label: str = "") -> uuid.UUID:
    """The idempotency key of a demo order: the same company and date give the same key."""
    return uuid.uuid5(KEY_NAMESPACE, f"{company.tax_number}:{day.isoformat()}" + (f":{label}" if label else ""))


@dataclass
class Customer:
    """A company with what seeding its orders needs."""

    key: str
    company: Company
    profile: Profile
    memberships: dict[str, Membership]
    addresses: list[Address]
    pool: list[Product]  # what it may order and history lots can serve first
    usual: list[Product] = field(default_factory=list)
    steps: dict[int, int] = field(default_factory=dict)  # product id -> usual quantity in steps
    book: PriceBook | None = None  # its prices today, for sizing baskets


def _order_step(product: Product) -> int:
    return max(product.min_order_quantity, product.order_multiple)


def history_expiry(product: Product, today: date, percent: int) -> date:
    """The expiry of a product's history lot: the first that the strictest shelf-life rule of
    the demo companies (`percent`) accepts, outside the expiry warning, and no later than a lot
    made today would expire."""
    first = earliest_sellable_expiry(
        shelf_life_days=product.shelf_life_days, min_shelf_life_percent=percent, today=today
    )
    outside_warning = today + timedelta(days=product.category.expiry_warning_days + 1)
    return min(max(first, outside_warning), today + timedelta(days=product.shelf_life_days))


def _pool(company: Company, products, demo_lots: dict[int, list[date]], today: date, percent: int) -> list[Product]:
    """Products the company may order, has a price for and that the history lot serves first in
    FEFO: no demo lot with free stock expires between the company's first acceptable date and
    the history lot's expiry."""
    visible = set(visible_products(company).values_list("pk", flat=True))
    licences = licences_on_file(company)
    candidates = [p for p in products if p.pk in visible and not licence_refusal(p.category, licences, today)]
    book = price_book(company=company, product_ids=[p.pk for p in candidates])
    pool = []
    for product in candidates:
        if product.pk not in demo_lots or book.price(product.pk, _order_step(product)) is None:
            continue  # out of stock today (not one of anyone's usual products), or no price
        first = earliest_sellable_expiry(
            shelf_life_days=product.shelf_life_days,
            min_shelf_life_percent=company.min_shelf_life_percent,
            today=today,
        )
        ours = history_expiry(product, today, percent)
        if all(expiry < first or expiry > ours for expiry in demo_lots[product.pk]):
            pool.append(product)
    return pool


def _matches(product: Product, words) -> bool:
    name = product.name_en.lower()
    return any(word in name for word in words)


def _choose_usual(customer: Customer, rng: random.Random) -> None:
    for slug, how_many in customer.profile.usual.items():
        in_category = [p for p in customer.pool if p.category.slug == slug]
        preferred = [p for p in in_category if _matches(p, customer.profile.prefer)]
        others = [p for p in in_category if p not in preferred]
        rng.shuffle(preferred)
        rng.shuffle(others)
        customer.usual.extend((preferred + others)[:how_many])
    for product in customer.usual:
        customer.steps[product.pk] = rng.randint(*customer.profile.steps)


def _quantity(product: Product, steps: float) -> int:
    return snap_quantity(product, max(1, round(steps)) * _order_step(product)).quantity


def _basket(customer: Customer, rng: random.Random, day: date, prefer=()) -> list[tuple[Product, int]]:
    """Staples nearly always, other usual products now and then, sometimes something new, and
    festive extras in the weeks before a festival."""
    profile = customer.profile
    factor, festive = season(day)
    wanted = rng.randint(*profile.lines)
    staples = [p for p in customer.usual[: max(1, len(customer.usual) * 2 // 5)] if rng.random() < 0.9]
    chosen = rng.sample(staples, min(len(staples), max(1, wanted * 2 // 3)))
    if prefer:
        chosen = [p for p in customer.pool if _matches(p, prefer)][: wanted // 2 + 1] + chosen
    others = [p for p in customer.usual if p not in chosen]
    rng.shuffle(others)
    chosen += others[: max(0, wanted - len(chosen))]
    extras = [p for p in customer.pool if p not in chosen]
    if festive:
        festive_extras = [p for p in extras if _matches(p, festive) and p.category.slug in profile.usual]
        chosen += rng.sample(festive_extras, min(len(festive_extras), rng.randint(1, 2)))
    if extras and rng.random() < 0.2:
        chosen.append(rng.choice([p for p in extras if p.category.slug in profile.usual] or extras))
    seen, lines = set(), []
    for product in chosen:
        if product.pk in seen:
            continue
        seen.add(product.pk)
        steps = customer.steps.get(product.pk) or rng.randint(*profile.steps)
        lines.append((product, _quantity(product, steps * rng.uniform(0.6, 1.4) * factor)))
    return lines


def _totals(customer: Customer, lines) -> tuple[Decimal, Decimal]:
    """Subtotal and tax as the order's quote will have them (same prices, same rounding)."""
    subtotal = tax = Decimal("0.00")
    for product, quantity in lines:
        line_total = _money(customer.book.price(product.pk, quantity).unit_price * quantity)
        subtotal += line_total
        tax += _money(line_total * product.tax_rate / 100)
    return subtotal, tax


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _estimate(customer: Customer, lines) -> Decimal:
    return sum(_totals(customer, lines))


def _aim(customer: Customer, lines, target: int) -> list[tuple[Product, int]]:
    """Scale the quantities so the basket comes to roughly `target` (a little above)."""
    for _attempt in range(3):
        estimate = _estimate(customer, lines)
        ratio = float(Decimal(target) * Decimal("1.03") / estimate)
        if 1 <= ratio <= 1.1:
            break
        lines = [(product, _quantity(product, quantity / _order_step(product) * ratio)) for product, quantity in lines]
    return lines


def _dates(profile: Profile, today: date, rng: random.Random) -> list[date]:
    first, last = today - timedelta(days=profile.since_days), today - timedelta(days=profile.until_days)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if profile.rhythm in (WEEKLY, FORTNIGHTLY):
        picked = [d for d in days if d.weekday() == profile.day]
        if profile.rhythm == FORTNIGHTLY:
            picked = [d for d in picked if (today - d).days // 7 % 2 == 0]
    elif profile.rhythm == TERM_WEEKS:
        # On Fridays, for the next school week.
        picked = [d for d in days if d.weekday() == profile.day and in_school_term(d + timedelta(days=3))]
    elif profile.rhythm == MONTHLY:
        picked = [d for d in days if d.day == profile.day]
        picked = [d + timedelta(days=1) if d.weekday() == 6 else d for d in picked]
    else:
        picked, day = [], first + timedelta(days=rng.randint(0, 20))
        while day <= last:
            picked.append(day + timedelta(days=1) if day.weekday() == 6 else day)
            day += timedelta(days=rng.randint(28, 56))
    return [d for d in picked if first <= d <= last and not cold_store_closed(d)]


def _local(day: date, minutes: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(minutes=minutes))


def _placer(rng: random.Random, customer: Customer) -> str:
    by = rng.choices([who for who, _w in PLACERS], weights=[w for _who, w in PLACERS])[0]
    return by if by != "shared" or "shared" in customer.memberships else "buyer"


def _plan_history(customer: Customer, now: datetime) -> list[Planned]:
    today = timezone.localdate(now)
    planned = []
    for number, day in enumerate(_dates(customer.profile, today, random.Random(f"demo-dates-{customer.key}")), 1):
        rng = random.Random(f"demo-order-{customer.key}-{day.isoformat()}")
        at = _local(day, 8 * 60 + rng.randint(0, 390))  # 08:00–14:30, before the 15:00 cut-off
        if at >= now - timedelta(minutes=10):
            continue
        outcome = rng.random() if planned else 1.0  # a new customer's first order goes through
        profile = customer.profile
        planned.append(
            Planned(
                company_key=customer.key,
                label="",
                at=at,
                lines=_basket(customer, rng, day),
                by=_placer(rng, customer),
                target=None,
                ship_to=_ship_to(customer, rng),
                reject=ANY_REASON if outcome < REJECTED_SHARE else "",
                cancel=rng.choice(CANCEL_REASONS)
                if REJECTED_SHARE <= outcome < REJECTED_SHARE + CANCELLED_SHARE
                else "",
                po_number=profile.po.format(d=day, n=number) if profile.po else "",
                notes=profile.notes[0] if profile.notes and rng.random() < 0.15 else "",
                key=order_key(customer.company, day),
            )
        )
    return planned


def _ship_to(customer: Customer, rng: random.Random) -> Address:
    if len(customer.addresses) > 1 and rng.random() < customer.profile.second_site:
        return customer.addresses[1]
    return customer.addresses[0]


def _plan_scenario(customer: Customer, scenario: Scenario, now: datetime) -> Planned:
    hours, minutes = map(int, scenario.time.split(":"))
    at = _local(timezone.localdate(now) - timedelta(days=scenario.days_ago), hours * 60 + minutes)
    if at > now - timedelta(minutes=30):
        at -= timedelta(days=1)
    rng = random.Random(f"demo-scenario-{scenario.label}")
    if scenario.short_dated:
        lines = _short_dated_lines(customer, timezone.localdate(now))
    else:
        lines = _basket(customer, rng, timezone.localdate(at), prefer=scenario.prefer)
    if scenario.total:
        lines = _aim(customer, lines, scenario.total)
    return Planned(
        company_key=customer.key,
        label=scenario.label,
        at=at,
        lines=lines,
        by=scenario.by,
        target=scenario.target,
        ship_to=customer.addresses[0],
        history=False,
        reject=scenario.reject,
        cancel=scenario.cancel,
        notes=scenario.notes,
        delivery_days=scenario.delivery_days,
        key=order_key(customer.company, timezone.localdate(at), scenario.label),
        short_dated=scenario.short_dated,
    )


def _short_dated_lines(customer: Customer, today: date) -> list[tuple[Product, int]]:
    """A few order steps of the first product the company may order that has a short-dated demo
    lot (inside its category's expiry warning, not yet expiring tomorrow) with free stock; FEFO
    then allocates that lot. Empty when there is none."""
    lots = (
        Lot.objects.filter(
            product__in=visible_products(customer.company).values("pk"),
            product__active=True,
            expiry_date__gte=today + timedelta(days=2),
            held_at__isnull=True,
            on_hand__gt=F("allocated"),
        )
        .exclude(number__startswith=HISTORY_LOT_PREFIX)
        .select_related("product__category")
        .order_by("expiry_date", "product__sku", "pk")
    )
    licences = licences_on_file(customer.company)
    for lot in lots:
        product = lot.product
        step = _order_step(product)
        quantity = min((lot.on_hand - lot.allocated) // step, 3) * step
        if (
            lot.expiry_date > today + timedelta(days=product.category.expiry_warning_days)
            or not quantity
            or licence_refusal(product.category, licences, today)
            or price_book(company=customer.company, product_ids=[product.pk]).price(product.pk, quantity) is None
        ):
            continue
        return [(product, quantity)]
    return []


# ---------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------


@contextmanager
def _dated(order: Order, at: datetime, *, releases=(), decision: bool = True):
    """What the block stamps on this order gets the historic time `at` instead of now: its
    events, its approval steps (when `decision`) and the allocations of the order lines
    `releases` that the block released."""
    started = timezone.now()
    yield
    OrderEvent.objects.filter(order=order, at__gte=started).update(at=at)
    if decision:
        steps = ApprovalStep.objects.filter(order=order)
        steps.filter(decided_at__gte=started).update(decided_at=at)
        # A step activated in the block is due `hours` after its activation: shift it as far back.
        steps.filter(status=ApprovalStep.Status.PENDING, due_at__gte=started).update(
            due_at=F("due_at") - (started - at)
        )
    if releases:
        Allocation.objects.filter(order_line_id__in=releases, released_at__gte=started).update(released_at=at)


class _Seeder:
    def __init__(self, report, now: datetime):
        self.demo = data
        self.report = report
        self.now = now
        self.today = timezone.localdate(now)
        staff = {row["key"]: row["email"] for row in data.STAFF}
        self.director = User.objects.get(email=staff["director"])
        self.finance = User.objects.get(email=staff["finance"])
        self.warehouse = User.objects.get(email=staff["warehouse"])
        self.manager = User.objects.get(email=staff["manager"])
        self.history_lots: dict[int, Lot] = {}  # product id -> its history lot
        # The strictest shelf-life rule of the demo companies: history lots satisfy them all.
        self.percent = max(company_by_key(key).min_shelf_life_percent for key in PROFILES)
        self.locations: dict[int, Location] = {}
        self.placed: list[tuple[Order, datetime]] = []
        self.store = DemoWarehouse(self.warehouse)  # picks, ships and delivers (portal.demo.fulfilment)

    # -- the world -----------------------------------------------------------------------------

    def customers(self) -> tuple[list[Customer], list[str]]:
        products = list(Product.objects.filter(active=True).select_related("category").order_by("sku"))
        demo_lots = defaultdict(list)
        for product_id, expiry in (
            Lot.objects.filter(on_hand__gt=F("allocated"))
            .exclude(number__startswith=HISTORY_LOT_PREFIX)
            .values_list("product_id", "expiry_date")
        ):
            demo_lots[product_id].append(expiry)
        shared = {m["company"] for person in self.demo.SHARED_PEOPLE for m in person["memberships"]}
        shared_email = {
            m["company"]: person["email"] for person in self.demo.SHARED_PEOPLE for m in person["memberships"]
        }
        customers, skipped = [], []
        for key, profile in PROFILES.items():
            company = company_by_key(key)
            if Order.objects.filter(company=company).exists():
                skipped.append(company.display_name)
                continue
            memberships = {}
            for membership in Membership.objects.filter(company=company).select_related("user", "company"):
                membership.company = company
                if key in shared and membership.user.email == shared_email[key]:
                    memberships["shared"] = membership
                elif membership.user.email.split("@")[0] == membership.role:
                    memberships[membership.role] = membership
            addresses = list(
                Address.objects.filter(company=company, kind=Address.Kind.SHIPPING).order_by("-is_default", "pk")
            )
            customer = Customer(
                key,
                company,
                profile,
                memberships,
                addresses,
                _pool(company, products, demo_lots, self.today, self.percent),
            )
            customer.book = price_book(company=company, product_ids=[p.pk for p in customer.pool])
            _choose_usual(customer, random.Random(f"demo-usual-{key}"))
            customers.append(customer)
        return customers, skipped

    def seed_rules(self) -> None:
        for row in APPROVAL_RULES:
            fields = {
                "condition": row["condition"],
                "amount": row["amount"],
                "approver_group": Group.objects.get(name=row["group"]),
                "step": row["step"],
                "decide_within_hours": row["decide_within_hours"],
                "active": True,
            }
            rule = ApprovalRule.objects.filter(name=row["name"]).first()
            if rule is None:
                rule = ApprovalRule.objects.create(name=row["name"], **fields)
                self.report.record(rule, True)
                continue
            changed = [name for name, value in fields.items() if getattr(rule, name) != value]
            if changed:
                for name in changed:
                    setattr(rule, name, fields[name])
                rule.save(update_fields=changed)

    # -- stock -----------------------------------------------------------------------------------

    def receive_history_stock(self, customers: dict[str, Customer], plan: list[Planned]) -> None:
        """One history lot per product, HIST-<sku>, with exactly what the plan takes of it."""
        wanted: dict[Product, int] = Counter()
        for planned in plan:
            if planned.short_dated:
                continue  # takes today's short-dated demo lot, not a history lot
            for product, quantity in planned.lines:
                wanted[product] += quantity
        existing = {
            (product_id, number): expiry
            for product_id, number, expiry in Lot.objects.filter(
                Q(number__startswith=HISTORY_LOT_PREFIX) | Q(number=RECALLED_LOT)
            ).values_list("product_id", "number", "expiry_date")
        }
        first_location = {}
        for location in Location.objects.select_related("warehouse").order_by("code"):
            first_location.setdefault((location.warehouse.code, location.zone), location)
        receipts = []
        for product, quantity in sorted(wanted.items(), key=lambda item: item[0].sku):
            expiry = history_expiry(product, self.today, self.percent)
            # The recalled product's history lot is the lot recalled at the end (recall_demo_lot).
            number = RECALLED_LOT if product.name_en == RECALLED_PRODUCT else f"{HISTORY_LOT_PREFIX}{product.sku}"
            if existing.get((product.pk, number), expiry) != expiry:  # seeded on another day
                number = f"{number}-{expiry:%y%m%d}"
            location = first_location[(HISTORY_WAREHOUSE, product.temperature_zone)]
            receipts.append(
                Receipt(product=product, lot_number=number, expiry_date=expiry, quantity=quantity, location=location)
            )
        if not receipts:
            return
        received_at = min(planned.at for planned in plan) - timedelta(days=1)
        started, lots_before = timezone.now(), Lot.objects.count()
        moves = receive_stock(receipts=receipts, user=self.warehouse, reference="GRN-HISTORY")
        StockMove.objects.filter(created_at__gte=started).update(created_at=received_at)
        Lot.objects.filter(created_at__gte=started).update(created_at=received_at)
        for move in moves:
            self.history_lots[move.lot.product_id] = move.lot
            self.locations[move.lot_id] = move.location
        self.report.created[str(Lot._meta.verbose_name_plural)] += Lot.objects.count() - lots_before
        self.report.created[str(StockMove._meta.verbose_name_plural)] += len(moves)

    def book_out_history_lots(self) -> None:
        """What cancelled and rejected orders gave back to the history lots is written off as sold
        elsewhere (what shipped left through fulfilment's shipments)."""
        history = [lot.pk for lot in self.history_lots.values()]
        for lot in Lot.objects.filter(pk__in=history, on_hand__gt=F("allocated")):
            write_off_stock(
                lot=lot,
                location=self.locations[lot.pk],
                quantity=lot.on_hand - lot.allocated,
                reason=SOLD_ELSEWHERE_REASON,
                user=self.warehouse,
            )

    # -- orders ----------------------------------------------------------------------------------

    def place(self, customer: Customer, planned: Planned) -> Order:
        membership = customer.memberships["buyer" if planned.by == "rep" else planned.by]
        rep = customer.company.sales_rep if planned.by == "rep" else None
        cart = services.cart_for(user=rep or membership.user, company=customer.company)
        cart.company = customer.company
        for product, quantity in planned.lines:
            services.add_to_cart(cart=cart, product=product, quantity=quantity)
        quote = services.quote_cart(cart=cart)
        delivery = _delivery_day(timezone.localdate(planned.at), planned.delivery_days)
        checkout = services.Checkout(
            ship_to=planned.ship_to,
            po_number=planned.po_number,
            requested_delivery_date=delivery,
            notes=planned.notes,
        )
        # Inside the seed's own transaction: the placement nests instead of being durable.
        return services.place_order(
            cart=cart,
            membership=membership,
            checkout=checkout,
            expected_total=quote.total,
            idempotency_key=planned.key,
            placed_for_customer_by=rep,
            durable=False,
        )

    def tell(self, customer: Customer, planned: Planned) -> Order:
        """Place the order and take it along its story: decisions, then the warehouse."""
        suspended = not customer.company.is_active
        if suspended:  # Spicy Road was still active back then
            Company.objects.filter(pk=customer.company.pk).update(status=Company.Status.ACTIVE)
            customer.company.status = Company.Status.ACTIVE
        try:
            with services.notifications_silenced() if planned.history else nullcontext():
                order = _Story(self, customer, planned).tell()
        finally:
            if suspended:
                Company.objects.filter(pk=customer.company.pk).update(status=Company.Status.SUSPENDED)
                customer.company.status = Company.Status.SUSPENDED
        if planned.target is not None and order.state != planned.target:
            raise RuntimeError(f"Demo order {planned.label} ended {order.state}, not {planned.target}.")
        return order

    def check_history_lots(self, order: Order, line_ids) -> None:
        history = {lot.pk for lot in self.history_lots.values()}
        stray = Allocation.objects.filter(order_line_id__in=line_ids).exclude(lot_id__in=history)
        if stray.exists():
            raise RuntimeError(f"Demo order {order.number} took stock from a lot that is not a history lot.")

    # -- numbering -------------------------------------------------------------------------------

    def number_by_year(self) -> None:
        """Give orders placed last year numbers of last year (gapless, in date order).

        place_order numbered everything in this year's sequence, one block of consecutive
        numbers (the seed holds the sequence's row lock until it commits)."""
        this_year = self.today.year
        if all(timezone.localtime(at).year == this_year for _order, at in self.placed):
            return
        sequence = OrderNumberSequence.objects.select_for_update().get(year=this_year)
        first = sequence.last - len(self.placed) + 1
        if [order.number for order, _at in self.placed] != [
            f"SO-{this_year}-{n:06d}" for n in range(first, sequence.last + 1)
        ]:
            self.report.notes.append("Orders: numbers were not one block, so last year's orders keep this year's.")
            return
        orders = [order for order, _at in self.placed]
        for order in orders:
            order.number = f"TMP-{order.pk}"  # out of the way first: numbers are unique
        Order.objects.bulk_update(orders, ["number"], batch_size=500)
        by_year = defaultdict(list)
        for order, at in self.placed:
            by_year[timezone.localtime(at).year].append(order)
        for year, in_year in sorted(by_year.items()):
            if year == this_year:
                numbering, start = sequence, first
            else:
                numbering, _created = OrderNumberSequence.objects.select_for_update().get_or_create(year=year)
                start = numbering.last + 1
            for offset, order in enumerate(in_year):
                order.number = f"SO-{year}-{start + offset:06d}"
            numbering.last = start + len(in_year) - 1
            numbering.save(update_fields=["last"])
        Order.objects.bulk_update(orders, ["number"], batch_size=500)


class _Story:
    """One order, from its placement to where its story has got to today."""

    def __init__(self, seeder: _Seeder, customer: Customer, planned: Planned):
        self.seeder = seeder
        self.customer = customer
        self.planned = planned
        self.rng = random.Random(f"demo-story-{planned.key}")
        self.at = planned.at
        self.delivery = _delivery_day(timezone.localdate(planned.at), planned.delivery_days)
        self.decided = False
        self.line_ids: list[int] = []

    def later(self, minutes: int) -> bool:
        """Move the clock on to the next step; False if a history order's next step has not
        come yet. Recent ad-hoc orders always reach their state, at the latest a minute ago."""
        then = self.at + timedelta(minutes=minutes)
        latest = self.seeder.now - timedelta(minutes=1)
        if then > latest:
            if self.planned.target is None:
                return False
            then = max(self.at + timedelta(seconds=30), latest)
        self.at = then
        return True

    def rejection(self, decider: str) -> str:
        """The reason this decider rejects with, or "" to approve."""
        if self.decided or not self.planned.reject:
            return ""
        return self.rng.choice(REJECT_REASONS[decider]) if self.planned.reject == ANY_REASON else self.planned.reject

    def step(self, order: Order, to_state: str, actor, reason: str = "") -> None:
        event = states.transition(order=order, to_state=to_state, actor=actor, reason=reason)
        OrderEvent.objects.filter(pk=event.pk).update(at=self.at)

    def tell(self) -> Order:
        seeder, customer, planned = self.seeder, self.customer, self.planned
        started = timezone.now()
        order = seeder.place(customer, planned)
        self.line_ids = list(order.lines.values_list("pk", flat=True))
        Order.objects.filter(pk=order.pk).update(placed_at=planned.at)
        OrderEvent.objects.filter(order=order, at__gte=started).update(at=planned.at)
        ApprovalStep.objects.filter(order=order, status=ApprovalStep.Status.PENDING, due_at__gte=started).update(
            due_at=F("due_at") - (started - planned.at)
        )
        Allocation.objects.filter(order_line_id__in=self.line_ids).update(created_at=planned.at)
        if not planned.short_dated:
            seeder.check_history_lots(order, self.line_ids)
        seeder.placed.append((order, planned.at))
        while order.state != planned.target:
            moved = self.move_on(order)
            if moved is None:
                break
            order = moved
        return order

    def move_on(self, order: Order) -> Order | None:
        """Take the next step of the story; None when the story stops here."""
        seeder, customer, rng = self.seeder, self.customer, self.rng
        state = order.state
        if state == S.AWAITING_CUSTOMER_APPROVAL:
            if not self.later(rng.randint(40, 180)):
                return None
            reason = self.rejection("customer")
            with _dated(order, self.at, releases=self.line_ids if reason else ()):
                order = services.decide_customer_approval(
                    order=order, membership=customer.memberships["approver"], approve=not reason, comment=reason
                )
            self.decided = True
        elif state == S.CREDIT_HOLD:
            if not self.later(rng.randint(20, 120)):
                return None
            reason = self.rejection("finance")
            prepaid = customer.company.prepaid
            comment = reason or ("Card payment received." if prepaid else "Payment received; released.")
            with _dated(order, self.at, releases=self.line_ids if reason else ()):
                order = services.release_credit_hold(
                    order=order, user=seeder.finance, approve=not reason, comment=comment
                )
            self.decided = True
        elif state == S.AWAITING_APPROVAL:
            if not self.later(rng.randint(60, 300)):
                return None
            reason = self.rejection("director")
            with _dated(order, self.at, releases=self.line_ids if reason else ()):
                order = services.decide_staff_approval(
                    order=order, user=seeder.director, approve=not reason, comment=reason
                )
            self.decided = True
        elif state == S.APPROVED:
            cancel = self.planned.cancel
            if self.planned.reject and not self.decided:
                # A history order meant to be rejected that met no decision is cancelled instead.
                cancel = rng.choice(CANCEL_REASONS)
            if cancel:
                if not self.later(rng.randint(20, 90)):
                    return None
                buyer = customer.memberships["buyer" if self.planned.by == "rep" else self.planned.by].user
                with _dated(order, self.at, releases=self.line_ids):
                    order = services.cancel_order(order=order, user=buyer, reason=cancel)
            else:
                picking = _local(self.delivery, 4 * 60 + rng.randint(0, 60)) - self.at
                if not self.later(max(10, int(picking.total_seconds() // 60))):
                    return None
                # The order being picked today has half its picks confirmed.
                share = 0.5 if self.planned.target == S.PICKING else 0.0
                with _dated(order, self.at, decision=False):
                    order = seeder.store.start_picking(order, self.at, confirm_share=share)
        elif state == S.PICKING:
            if not self.later(rng.randint(40, 90)):
                return None
            # The partly shipped order of today was picked short on two lines.
            short = 2 if self.planned.target == S.PARTLY_SHIPPED else 0
            with _dated(order, self.at, releases=self.line_ids, decision=False):
                seeder.store.pick_and_ship(order, self.at, rng, short=short, quiet=self.planned.history)
            order = Order.objects.get(pk=order.pk)
        elif state == S.SHIPPED:
            if not self.later(rng.randint(60, 240)):
                return None
            with _dated(order, self.at, decision=False):
                order = seeder.store.deliver(order, self.at, rng)
        elif state == S.DELIVERED:
            closing = _local(timezone.localdate(self.at) + timedelta(days=7), 2 * 60) - self.at
            if not self.later(int(closing.total_seconds() // 60)):
                return None
            self.step(order, S.CLOSED, None)
        else:
            return None
        return order


def _delivery_day(day: date, days: int = 1) -> date:
    """The next day (or `days` later); no deliveries on Sundays."""
    delivery = day + timedelta(days=days)
    return delivery + timedelta(days=1) if delivery.weekday() == 6 else delivery


def seed_orders(report) -> None:
    """A year of orders for every demo company that has none yet, and the approval rules."""
    started = time.monotonic()
    with transaction.atomic():
        seeder = _Seeder(report, timezone.now())
        before = {model: model.objects.count() for model in (PickList, Shipment, LotRecall, ReturnRequest)}
        seeder.seed_rules()
        customers, skipped = seeder.customers()
        by_key = {customer.key: customer for customer in customers}
        plan = [planned for customer in customers for planned in _plan_history(customer, seeder.now)]
        scenarios = [
            _plan_scenario(by_key[scenario.company], scenario, seeder.now)
            for scenario in SCENARIOS
            if scenario.company in by_key
        ]
        plan += [planned for planned in scenarios if planned.lines]
        plan.sort(key=lambda planned: planned.at)
        saved_carts = _set_carts_aside(customers)
        seeder.receive_history_stock(by_key, plan)
        states_now = Counter()
        for planned in plan:
            order = seeder.tell(by_key[planned.company_key], planned)
            states_now[order.state] += 1
        seeder.book_out_history_lots()
        seeder.number_by_year()
        _put_carts_back(saved_carts)
        recall = recall_demo_lot(seeder.manager)
        seed_demo_returns(warehouse_user=seeder.warehouse, manager=seeder.manager)
        notes_missing = render_recent_notes()
        for model in (PickList, Shipment, LotRecall, ReturnRequest):
            report.created[str(model._meta.verbose_name_plural)] += model.objects.count() - before[model]
    if plan:
        report.created[str(Order._meta.verbose_name_plural)] += len(plan)
    if skipped and not plan:
        report.notes.append(f"Orders: all {len(skipped)} companies already had orders, so they were left as they are.")
        return
    summary = ", ".join(f"{count} {OrderState(state).label.lower()}" for state, count in _in_state_order(states_now))
    seconds = time.monotonic() - started
    line = f"Orders: {len(plan)} over 12 months for {len(customers)} companies ({summary}) in {seconds:.0f} s"
    if skipped:
        line += f"; {len(skipped)} companies already had orders and kept them"
    report.notes.append(line + ".")
    report.notes.append(_fulfilment_summary(recall))
    if notes_missing:
        report.notes.append(f"Delivery notes: none rendered ({notes_missing}); each is rendered at its first download.")


def _fulfilment_summary(recall) -> str:
    """What the warehouse did in the history, and where staff look at it."""
    shipments = Shipment.objects.all()
    flagged = shipments.filter(temperature_flagged=True).count()
    line = (
        f"Fulfilment: {PickList.objects.count()} pick lists, {shipments.count()} shipments "
        f"({shipments.filter(state=Shipment.State.DELIVERED).count()} delivered, {flagged} with a temperature "
        f"out of range), delivery notes for the {shipments.exclude(delivery_note='').count()} most recent"
    )
    if recall is not None:
        line += (
            f"; lot {recall.lot.number} ({recall.lot.product.name_en}) recalled, "
            f"{recall.notified} people at its customers told"
        )
    waiting = ReturnRequest.objects.filter(state=ReturnRequest.State.REQUESTED).count()
    received = ReturnRequest.objects.filter(state=ReturnRequest.State.RECEIVED).count()
    line += f"; returns: {waiting} waiting for staff, {received} received back into stock (to credit)"
    return line + ". See the back office's Warehouse queue, Shipments, Returns, and Expiring lots and their orders."


def _in_state_order(counter: Counter):
    return [(state, counter[state]) for state in OrderState.values if counter[state]]


def _set_carts_aside(customers: list[Customer]) -> list[tuple[int, int, int, Decimal | None]]:
    """Lines already in these companies' carts stay out of the history and come back after it."""
    lines = CartLine.objects.filter(cart__company__in=[customer.company for customer in customers])
    saved = list(lines.values_list("cart_id", "product_id", "quantity", "unit_price_when_added"))
    lines.delete()
    return saved


def _put_carts_back(saved) -> None:
    CartLine.objects.bulk_create(
        CartLine(cart_id=cart_id, product_id=product_id, quantity=quantity, unit_price_when_added=price)
        for cart_id, product_id, quantity, price in saved
    )
    if saved:
        Cart.objects.filter(pk__in={row[0] for row in saved}).update(updated_at=timezone.now())
