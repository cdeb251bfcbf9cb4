"""Fill the bench database with a distributor's catalog at a chosen scale.

    DJANGO_SETTINGS_MODULE=bench.settings \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tradecounter_bench \
    .venv/bin/python bench/generate.py --scale large

The database named in DATABASE_URL is dropped, created and migrated, so every run starts from
the same state; the name must contain "bench" so a typo cannot wipe real data. Data is
deterministic (a fixed random seed), dates are relative to today.

large = 2,000 companies, 20,000 products, 500,000 price-list entries and 100,000 lots; medium is
a tenth of that and small a hundredth. Big tables are loaded with COPY, the rest with
bulk_create; stock is consistent with the ledger (one receipt move and one level per lot,
allocated ≤ on hand, one allocation row per allocated lot). Staff with roles and orders for the
back office's lists come from bench/generate_backoffice.py (a quarter of the companies have 100
orders each: 50,000 at large scale); the warehouse's pick lists, shipments, a lot shipped to 500
customers and a 40-line delivery note from bench/generate_fulfilment.py; 18 months of invoices
(200,000 at large scale) with their ledger, payments and allocations, and a stored 40-line
invoice PDF from bench/generate_billing.py; 1,000,000 order lines (large), invoiced, and the
sales rollups from bench/generate_dashboards.py.
"""

import argparse
import math
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path; the project root is what we need.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench"]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

SCALES = {
    "small": {"companies": 20, "products": 200, "entries": 5_000, "lots": 1_000},
    "medium": {"companies": 200, "products": 2_000, "entries": 50_000, "lots": 10_000},
    "large": {"companies": 2_000, "products": 20_000, "entries": 500_000, "lots": 100_000},
}
SEED = 20260101
BENCH_PASSWORD = "bench-password"
BUYER_EMAIL = "bench-buyer-{n}@bench.example"
CONTRACT_EVERY = 4  # every 4th company (1, 5, 9, ...) has a contract list: 25 %
CONTRACT_BREAKS = (1, 10, 50)
TIER_COVERAGE = 0.9  # tier lists price 90 % of products
TIERS = (("a", "Tier A", Decimal("0.85")), ("b", "Tier B", Decimal("0.90")), ("c", "Tier C", Decimal("0.95")))

REGIONS = [
    ("east", "East China"),
    ("south", "South China"),
    ("north", "North China"),
    ("central", "Central China"),
    ("southwest", "Southwest China"),
    ("northeast", "Northeast China"),
    ("northwest", "Northwest China"),
    ("hk", "Hong Kong"),
]

# zone, (English, Chinese), SKU prefix, shelf life range in days, packs, then categories:
# (English, Chinese, restricted licence kind or "") with their subcategories, which are also
# the product nouns.
TREE = [
    (
        "frozen",
        ("Frozen", "冷冻食品"),
        "FZ",
        (270, 720),
        [("1 kg", "1千克"), ("2 kg", "2千克"), ("10 × 1 kg", "10×1千克"), ("5 kg", "5千克")],
        [
            (
                ("Poultry", "禽肉"),
                "",
                [
                    "Chicken wings/鸡翅",
                    "Chicken drumsticks/鸡腿",
                    "Chicken breast/鸡胸肉",
                    "Duck legs/鸭腿",
                    "Whole chicken/整鸡",
                ],
            ),
            (
                ("Beef and lamb", "牛羊肉"),
                "",
                ["Beef brisket/牛腩", "Beef slices/肥牛片", "Lamb slices/羊肉片", "Beef ribs/牛肋排"],
            ),
            (
                ("Pork", "猪肉"),
                "",
                ["Pork belly/五花肉", "Pork ribs/猪排骨", "Pork mince/猪肉末", "Pork trotters/猪蹄"],
            ),
            (
                ("Seafood", "海鲜"),
                "",
                [
                    "Peeled prawns/虾仁",
                    "Squid rings/鱿鱼圈",
                    "Basa fillet/巴沙鱼柳",
                    "Scallops/扇贝",
                    "Crab sticks/蟹棒",
                ],
            ),
            (
                ("Dumplings", "饺子"),
                "",
                [
                    "Pork and cabbage dumplings/猪肉白菜饺子",
                    "Shrimp dumplings/虾饺",
                    "Chive dumplings/韭菜饺子",
                    "Wontons/馄饨",
                ],
            ),
            (
                ("Buns and dim sum", "包点"),
                "",
                ["Char siu buns/叉烧包", "Custard buns/奶黄包", "Siu mai/烧卖", "Spring rolls/春卷"],
            ),
            (
                ("Frozen vegetables", "冷冻蔬菜"),
                "",
                ["Green peas/青豆", "Sweet corn/甜玉米", "Mixed vegetables/什锦蔬菜", "Broccoli florets/西兰花"],
            ),
            (
                ("Fries and sides", "薯条小食"),
                "",
                ["French fries/薯条", "Hash browns/薯饼", "Onion rings/洋葱圈", "Chicken nuggets/鸡块"],
            ),
            (
                ("Ice cream", "冰淇淋"),
                "",
                [
                    "Vanilla ice cream/香草冰淇淋",
                    "Matcha ice cream/抹茶冰淇淋",
                    "Mango sorbet/芒果雪葩",
                    "Red bean ice bars/红豆冰棒",
                ],
            ),
            (
                ("Frozen pastry", "冷冻面点"),
                "",
                ["Puff pastry/酥皮", "Egg tart shells/蛋挞皮", "Scallion pancakes/葱油饼", "Rice cakes/年糕"],
            ),
        ],
    ),
    (
        "chilled",
        ("Chilled", "冷藏食品"),
        "CH",
        (7, 45),
        [("1 kg", "1千克"), ("500 g", "500克"), ("12 × 250 g", "12×250克"), ("6 × 1 L", "6×1升")],
        [
            (
                ("Dairy", "乳制品"),
                "",
                ["Fresh milk/鲜牛奶", "Yoghurt/酸奶", "Butter/黄油", "Cream/淡奶油", "Cheddar cheese/切达奶酪"],
            ),
            (
                ("Tofu and soy", "豆制品"),
                "",
                ["Firm tofu/老豆腐", "Silken tofu/嫩豆腐", "Soy milk/豆浆", "Dried tofu/豆腐干"],
            ),
            (
                ("Fresh noodles", "鲜面条"),
                "",
                ["Udon noodles/乌冬面", "Egg noodles/鸡蛋面", "Rice noodles/河粉", "Hand-pulled noodles/拉面"],
            ),
            (
                ("Eggs", "蛋类"),
                "",
                ["Free-range eggs/土鸡蛋", "Salted duck eggs/咸鸭蛋", "Century eggs/皮蛋", "Quail eggs/鹌鹑蛋"],
            ),
            (
                ("Cooked meats", "熟食"),
                "",
                ["Char siu/叉烧", "Roast duck/烧鸭", "Soy-braised beef/酱牛肉", "Ham slices/火腿片"],
            ),
            (
                ("Fresh poultry", "鲜禽"),
                "",
                ["Fresh chicken thighs/鲜鸡腿", "Fresh chicken breast/鲜鸡胸", "Fresh duck/鲜鸭"],
            ),
            (("Fresh fish", "鲜鱼"), "", ["Salmon fillet/三文鱼柳", "Sea bass/鲈鱼", "Tilapia/罗非鱼"]),
            (
                ("Salads and herbs", "沙拉香草"),
                "",
                ["Lettuce/生菜", "Coriander/香菜", "Spring onions/葱", "Baby spinach/嫩菠菜"],
            ),
            (("Fruit", "水果"), "", ["Strawberries/草莓", "Blueberries/蓝莓", "Cut pineapple/菠萝块", "Lychees/荔枝"]),
            (
                ("Chilled sauces", "冷藏酱料"),
                "",
                ["Fresh chilli paste/鲜辣椒酱", "Garlic paste/蒜蓉", "Ginger paste/姜蓉", "Pesto/青酱"],
            ),
        ],
    ),
    (
        "ambient",
        ("Ambient", "常温食品"),
        "AM",
        (180, 730),
        [("1 kg", "1千克"), ("5 kg", "5千克"), ("24 × 330 ml", "24×330毫升"), ("12 × 500 g", "12×500克")],
        [
            (
                ("Rice", "大米"),
                "",
                ["Jasmine rice/茉莉香米", "Glutinous rice/糯米", "Basmati rice/印度香米", "Brown rice/糙米"],
            ),
            (
                ("Dried noodles", "干面"),
                "",
                ["Dried egg noodles/鸡蛋干面", "Rice vermicelli/米粉", "Instant noodles/方便面", "Glass noodles/粉丝"],
            ),
            (
                ("Flour and baking", "面粉烘焙"),
                "",
                ["Plain flour/中筋面粉", "Bread flour/高筋面粉", "Corn starch/玉米淀粉", "Baking powder/泡打粉"],
            ),
            (
                ("Cooking oils", "食用油"),
                "",
                ["Peanut oil/花生油", "Sesame oil/芝麻油", "Sunflower oil/葵花籽油", "Olive oil/橄榄油"],
            ),
            (
                ("Sauces", "酱料"),
                "",
                [
                    "Light soy sauce/生抽",
                    "Dark soy sauce/老抽",
                    "Oyster sauce/蚝油",
                    "Chilli bean paste/豆瓣酱",
                    "Black vinegar/香醋",
                ],
            ),
            (
                ("Spices", "香料"),
                "",
                ["Star anise/八角", "Sichuan pepper/花椒", "Five-spice powder/五香粉", "White pepper/白胡椒粉"],
            ),
            (
                ("Canned goods", "罐头"),
                "",
                ["Canned tomatoes/番茄罐头", "Bamboo shoots/竹笋", "Coconut milk/椰奶", "Water chestnuts/马蹄"],
            ),
            (
                ("Drinks", "饮料"),
                "",
                [
                    "Jasmine tea/茉莉花茶",
                    "Oolong tea/乌龙茶",
                    "Sparkling water/苏打水",
                    "Coconut water/椰子水",
                    "Soy drink/豆奶",
                ],
            ),
            (
                ("Snacks", "零食"),
                "",
                ["Prawn crackers/虾片", "Seaweed snacks/海苔", "Roasted peanuts/花生", "Rice crackers/米饼"],
            ),
            (("Wine and spirits", "酒类"), "liquor", ["Rice wine/黄酒", "Baijiu/白酒", "Red wine/红酒", "Beer/啤酒"]),
        ],
    ),
]
BRANDS = [
    ("Golden Harvest", "金丰"),
    ("Jade River", "玉河"),
    ("Red Lantern", "红灯笼"),
    ("Northern Star", "北星"),
    ("Blue Ocean", "蓝海"),
    ("Green Valley", "绿谷"),
    ("Sunrise", "旭日"),
    ("Lotus", "莲花"),
    ("Pearl Delta", "珠江"),
    ("Mountain Spring", "山泉"),
]
MODIFIERS = [
    ("", ""),
    ("", ""),
    ("Premium", "优选"),
    ("Organic", "有机"),
    ("Classic", "经典"),
    ("Spicy", "香辣"),
    ("Sichuan-style", "川味"),
    ("Cantonese-style", "广式"),
    ("Lightly salted", "淡盐"),
    ("Catering pack", "餐饮装"),
]
COMPANY_PLACES = ["Harbour", "Jade", "Golden", "Lucky", "Riverside", "Old Town", "Lantern", "Bamboo", "Peony", "Dragon"]
COMPANY_KINDS = ["Noodle House", "Dim Sum", "Hotpot", "Bakery", "Hotel", "Canteen", "Kitchen", "Tea House", "Grill"]
ASSORTMENTS = [("Bakery essentials", 0.15), ("Canteen basics", 0.25), ("Hotel breakfast", 0.10)]
COPY_ROWS_PER_MESSAGE = 5_000


def log(message: str) -> None:
    print(message, flush=True)


def recreate_database(db: dict) -> None:
    """Drop and create the bench database; refuse any name without "bench" in it."""
    import psycopg
    from psycopg import sql

    name = db["NAME"]
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}: the bench database's name must contain 'bench'.")
    params = {"dbname": "postgres", "host": db.get("HOST") or None, "user": db.get("USER") or None}
    if db.get("PORT"):
        params["port"] = db["PORT"]
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with psycopg.connect(**params, autocommit=True) as conn:
        # FORCE ends connections still open from a previous run (a bench server left behind).
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def copy_rows(model, columns: list[str], rows) -> int:
    """COPY rows (tuples in `columns` order) into the model's table; returns how many."""
    from django.db import connection

    table = model._meta.db_table
    # Columns the caller does not name but the table requires get the model's default (or "" for
    # a blank text field), so a new NOT NULL field does not break the generator (a JSON default
    # is left out: such columns must be named).
    named = set(columns)
    defaults = [
        field
        for field in model._meta.concrete_fields
        if field.column not in named
        and not field.primary_key
        and not field.null
        and (field.has_default() or (field.blank and field.empty_strings_allowed))
        and field.get_internal_type() != "JSONField"
    ]
    all_columns = [*columns, *(field.column for field in defaults)]
    count = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(all_columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *(field.get_default() for field in defaults)))
            count += 1
    return count


def split_evenly(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


class Generator:
    def __init__(self, scale: str):
        self.scale = scale
        self.size = SCALES[scale]
        self.rng = random.Random(SEED)
        self.today = date.today()
        self.counts: dict[str, int] = {}

    # -- reference data ---------------------------------------------------------------------

    def regions_and_tiers(self):
        from accounts.models import PriceTier, Region

        self.regions = Region.objects.bulk_create([Region(code=code, name=name) for code, name in REGIONS])
        self.tiers = PriceTier.objects.bulk_create([PriceTier(code=code, name=name) for code, name, _factor in TIERS])
        self.counts["regions"] = len(self.regions)
        self.counts["price tiers"] = len(self.tiers)

    def categories(self):
        """3 zone roots, 10 categories each, 3–5 subcategories under each (treebeard paths)."""
        from django.utils.text import slugify

        from catalog.models import Category

        self.leaves = []  # (category, zone, prefix, shelf life range, packs, noun_en, noun_zh)
        for zone, (zone_en, zone_zh), prefix, shelf_life, packs, categories in TREE:
            root = Category.add_root(name_en=zone_en, name_zh=zone_zh, slug=zone)
            for (cat_en, cat_zh), licence_kind, subcategories in categories:
                category = root.add_child(
                    name_en=cat_en,
                    name_zh=cat_zh,
                    slug=f"{zone}-{slugify(cat_en)}",
                    restricted=bool(licence_kind),
                    licence_kind=licence_kind,
                    expiry_warning_days=7 if zone == "chilled" else 30,
                )
                for pair in subcategories:
                    sub_en, sub_zh = pair.split("/")
                    leaf = category.add_child(
                        name_en=sub_en,
                        name_zh=sub_zh,
                        slug=f"{zone}-{slugify(sub_en)}",
                        restricted=bool(licence_kind),
                        licence_kind=licence_kind,
                        expiry_warning_days=category.expiry_warning_days,
                    )
                    self.leaves.append((leaf, zone, prefix, shelf_life, packs, sub_en, sub_zh))
        self.counts["categories"] = Category.objects.count()

    def warehouse(self):
        from catalog.models import Location, TemperatureZone, Warehouse

        warehouse = Warehouse.objects.create(code="bench-main", name="Bench main warehouse")
        locations = []
        for zone in TemperatureZone.values:
            for aisle in range(1, 5):
                for bay in range(1, 6):
                    locations.append(
                        Location(warehouse=warehouse, code=f"{zone[:1].upper()}-{aisle:02d}-{bay:02d}", zone=zone)
                    )
        Location.objects.bulk_create(locations)
        self.locations_by_zone: dict[str, list[int]] = {}
        for location in Location.objects.all():
            self.locations_by_zone.setdefault(location.zone, []).append(location.pk)
        self.counts["locations"] = len(locations)

    # -- people -----------------------------------------------------------------------------

    def companies_and_buyers(self):
        from allauth.account.models import EmailAddress
        from django.contrib.auth.hashers import make_password

        from accounts.models import Company, Licence, Membership, User

        rng = self.rng
        n = self.size["companies"]
        password = make_password(BENCH_PASSWORD)  # one hash for everyone: hashing 2,000 times takes minutes
        reps = User.objects.bulk_create(
            [
                User(
                    email=f"bench-rep-{i}@bench.example",
                    first_name="Rep",
                    last_name=str(i),
                    is_staff=True,
                    password=password,
                )
                for i in range(1, 11)
            ]
        )
        companies = []
        for i in range(1, n + 1):
            name = f"{rng.choice(COMPANY_PLACES)} {rng.choice(COMPANY_KINDS)} {i}"
            # Company 1 is the one the runner signs in as: tier A, a contract list, no assortment.
            tier = self.tiers[0] if i == 1 else rng.choices([*self.tiers, None], weights=[30, 30, 25, 15])[0]
            companies.append(
                Company(
                    legal_name=f"{name} Catering Co., Ltd.",
                    display_name=name,
                    region=rng.choice(self.regions),
                    sales_rep=rng.choice(reps),
                    price_tier=tier,
                    currency="CNY",
                    credit_limit=Decimal(rng.choice([0, 20_000, 50_000, 100_000])),
                    payment_terms_days=rng.choice([15, 30, 45, 60]),
                    min_shelf_life_percent=25 if i == 1 else rng.choice([0, 0, 25, 50]),
                )
            )
        self.companies = Company.objects.bulk_create(companies, batch_size=1000)
        users = User.objects.bulk_create(
            [
                User(email=BUYER_EMAIL.format(n=i), first_name="Buyer", last_name=str(i), password=password)
                for i in range(1, n + 1)
            ],
            batch_size=1000,
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in [*reps, *users]],
            batch_size=1000,
        )
        Membership.objects.bulk_create(
            [
                Membership(user=user, company=company, role=Membership.Role.BUYER)
                for user, company in zip(users, self.companies, strict=True)
            ],
            batch_size=1000,
        )
        licences = [
            Licence(
                company=company,
                kind="liquor",
                number=f"LQ-{company.pk:06d}",
                expires_on=self.today + timedelta(days=rng.randint(-60, 700)),
            )
            for company in self.companies
            if rng.random() < 0.2
        ]
        Licence.objects.bulk_create(licences, batch_size=1000)
        self.counts["companies"] = len(self.companies)
        self.counts["users"] = len(users) + len(reps)
        self.counts["memberships"] = len(users)
        self.counts["licences"] = len(licences)

    # -- products and prices ----------------------------------------------------------------

    def products(self):
        from catalog.models import Product, SalesUnit
        from catalog.search import search_text_for

        rng = self.rng
        n = self.size["products"]
        products = []
        for i in range(n):
            leaf, zone, prefix, (life_min, life_max), packs, noun_en, noun_zh = self.leaves[i % len(self.leaves)]
            brand_en, brand_zh = rng.choice(BRANDS)
            mod_en, mod_zh = rng.choice(MODIFIERS)
            pack_en, pack_zh = rng.choice(packs)
            noun = noun_en.lower() if mod_en else noun_en
            name_en = " ".join(part for part in (brand_en, mod_en, noun) if part) + f", {pack_en}"
            moq = rng.choice([1, 1, 1, 2, 5])
            product = Product(
                sku=f"{prefix}-{i + 1:05d}",
                name_en=name_en,
                name_zh=f"{brand_zh}{mod_zh}{noun_zh} {pack_zh}",
                category=leaf,
                description=f"{noun_en} from {brand_en}, packed {pack_en}. Store {zone}.",
                sales_unit=rng.choice([SalesUnit.CASE, SalesUnit.CASE, SalesUnit.CARTON, SalesUnit.BAG]),
                units_per_case=rng.choice([1, 6, 10, 12, 24]),
                unit_description=pack_en,
                min_order_quantity=moq,
                order_multiple=rng.choice([1, 1, moq]),
                temperature_zone=zone,
                shelf_life_days=rng.randint(life_min, life_max),
                allow_backorder=rng.random() < 0.1,
                tax_rate=Decimal("13.00") if leaf.restricted else Decimal("9.00"),
                active=rng.random() > 0.02,
            )
            product.search_text = search_text_for(product)
            products.append(product)
        self.products = Product.objects.bulk_create(products, batch_size=2000)
        self.base_price = {p.pk: Decimal(rng.randint(800, 60_000)) / 100 for p in self.products}
        self.counts["products"] = len(self.products)

    def assortments(self):
        from catalog.models import Assortment

        rng = self.rng
        product_ids = [p.pk for p in self.products]
        through = Assortment.products.through
        company_through = Assortment.companies.through
        links = company_links = 0
        assortments = Assortment.objects.bulk_create([Assortment(name=name) for name, _share in ASSORTMENTS])
        for assortment, (_name, share) in zip(assortments, ASSORTMENTS, strict=True):
            chosen = rng.sample(product_ids, max(1, int(len(product_ids) * share)))
            through.objects.bulk_create(
                [through(assortment_id=assortment.pk, product_id=pk) for pk in chosen], batch_size=5000
            )
            links += len(chosen)
        # About 5 % of the companies without a contract buy from an assortment only.
        restricted = [c for i, c in enumerate(self.companies, start=1) if i % 20 == 3]
        company_through.objects.bulk_create(
            [company_through(assortment_id=rng.choice(assortments).pk, company_id=c.pk) for c in restricted]
        )
        company_links = len(restricted)
        self.counts["assortments"] = len(assortments)
        self.counts["assortment products"] = links
        self.counts["assortment companies"] = company_links

    def price_lists(self):
        from catalog.models import PriceList, PriceListEntry

        rng = self.rng
        today = self.today
        products = [p.pk for p in self.products]
        price_lists = [PriceList(name="List prices", kind=PriceList.Kind.DEFAULT, currency="CNY", priority=100)]
        price_lists += [
            PriceList(name=f"{tier.name} prices", kind=PriceList.Kind.TIER, price_tier=tier, currency="CNY")
            for tier in self.tiers
        ]
        contract_companies = [c for i, c in enumerate(self.companies, start=1) if i % CONTRACT_EVERY == 1]
        for company in contract_companies:
            expired = company.pk != self.companies[0].pk and rng.random() < 0.1
            valid_until = (
                today - timedelta(days=rng.randint(1, 90)) if expired else today + timedelta(days=rng.randint(30, 365))
            )
            price_lists.append(
                PriceList(
                    name=f"Contract {company.display_name}",
                    kind=PriceList.Kind.CONTRACT,
                    company=company,
                    currency="CNY",
                    valid_from=valid_until - timedelta(days=365),
                    valid_until=valid_until,
                )
            )
        price_lists = PriceList.objects.bulk_create(price_lists)
        default, tier_lists, contracts = price_lists[0], price_lists[1:4], price_lists[4:]

        tier_count = int(len(products) * TIER_COVERAGE)
        contract_total = self.size["entries"] - len(products) - tier_count * len(tier_lists)
        per_list = split_evenly(max(contract_total, 0), max(len(contracts), 1))
        base = self.base_price

        def rows():
            for pk in products:
                yield (default.pk, pk, 1, base[pk])
            for tier_list, (_code, _name, factor) in zip(tier_lists, TIERS, strict=True):
                for pk in sorted(rng.sample(products, tier_count)):
                    yield (tier_list.pk, pk, 1, (base[pk] * factor).quantize(Decimal("0.01")))
            for contract, entries in zip(contracts, per_list, strict=False):
                # A few hundred products, each with quantity breaks; the total hits the target.
                n_products = min(len(products), math.ceil(entries / len(CONTRACT_BREAKS)))
                remaining = entries
                for pk in sorted(rng.sample(products, n_products)):
                    discount = Decimal(rng.choice(["0.80", "0.82", "0.85"]))
                    breaks = CONTRACT_BREAKS[: min(len(CONTRACT_BREAKS), remaining)]
                    for step, min_quantity in enumerate(breaks):
                        factor = discount - Decimal("0.04") * step
                        yield (contract.pk, pk, min_quantity, (base[pk] * factor).quantize(Decimal("0.01")))
                    remaining -= len(breaks)
                    if remaining <= 0:
                        break

        self.counts["price lists"] = len(price_lists)
        self.counts["contract price lists"] = len(contracts)
        self.counts["price-list entries"] = copy_rows(
            PriceListEntry, ["price_list_id", "product_id", "min_quantity", "unit_price"], rows()
        )

    # -- stock ------------------------------------------------------------------------------

    def lots(self):
        """Lots spread over expiry dates; one level and one receipt move per lot; allocations."""
        from django.db import connection
        from django.utils import timezone

        from catalog.models import Allocation, Lot, StockLevel, StockMove

        rng = self.rng
        today = self.today
        tz = timezone.get_current_timezone()
        stocked = [p for p in self.products if rng.random() > 0.05]  # 5 % have no stock at all
        lot_rows = []
        receipt_day = {}
        for n in range(1, self.size["lots"] + 1):
            product = rng.choice(stocked)
            life = product.shelf_life_days
            roll = rng.random()
            if roll < 0.05:  # expired
                expiry = today - timedelta(days=rng.randint(1, 60))
            elif roll < 0.15:  # near expiry: within the warning window or a company's shelf-life minimum
                expiry = today + timedelta(days=rng.randint(0, min(30, life)))
            else:
                expiry = today + timedelta(days=rng.randint(1, life))
            produced = expiry - timedelta(days=life)
            received = max(produced, today - timedelta(days=life)) + timedelta(days=rng.randint(0, 3))
            received = min(received, today)
            on_hand = rng.randint(1, 400)
            allocated_roll = rng.random()
            if allocated_roll < 0.70:
                allocated = 0
            elif allocated_roll < 0.95:
                allocated = rng.randint(1, max(1, on_hand // 2))
            else:
                allocated = on_hand
            created = timezone.make_aware(datetime.combine(received, dt_time(8, 0)), tz)
            number = f"L{n:07d}"
            receipt_day[(product.pk, number)] = created
            lot_rows.append((product.pk, number, produced, expiry, on_hand, allocated, created, ""))
        self.counts["lots"] = copy_rows(
            Lot,
            [
                "product_id",
                "number",
                "production_date",
                "expiry_date",
                "on_hand",
                "allocated",
                "created_at",
                "hold_reason",
            ],  # fmt: skip
            lot_rows,
        )
        zone_of = {p.pk: p.temperature_zone for p in self.products}
        lots = list(Lot.objects.values_list("pk", "product_id", "number", "on_hand", "allocated").order_by("pk"))
        placed = [(pk, rng.choice(self.locations_by_zone[zone_of[product_id]])) for pk, product_id, *_ in lots]
        self.counts["stock levels"] = copy_rows(
            StockLevel,
            ["lot_id", "location_id", "quantity"],
            ((lot_pk, location, lot[3]) for (lot_pk, location), lot in zip(placed, lots, strict=True)),
        )
        self.counts["stock moves"] = copy_rows(
            StockMove,
            ["kind", "lot_id", "location_id", "quantity", "reason", "reference", "user_id", "created_at"],
            (
                (
                    "receipt",
                    lot_pk,
                    location,
                    lot[3],
                    "Bench data",
                    f"BENCH-RCPT-{lot_pk}",
                    None,
                    receipt_day[(lot[1], lot[2])],
                )
                for (lot_pk, location), lot in zip(placed, lots, strict=True)
            ),
        )
        company_ids = [c.pk for c in self.companies]
        now = timezone.now()
        self.counts["allocations"] = copy_rows(
            Allocation,
            ["lot_id", "company_id", "order_line_id", "quantity", "created_at", "released_at"],
            (
                (pk, rng.choice(company_ids), None, allocated, now, None)
                for pk, _p, _n, _oh, allocated in lots
                if allocated > 0
            ),
        )
        with connection.cursor() as cursor:
            # The bench must not start from a ledger that disagrees with the lots.
            cursor.execute(
                "SELECT count(*) FROM catalog_lot l JOIN catalog_stocklevel s ON s.lot_id = l.id "
                "WHERE s.quantity <> l.on_hand"
            )
            (mismatches,) = cursor.fetchone()
        if mismatches:
            raise SystemExit(f"{mismatches} lots disagree with their stock levels")

    # -- the back office's lists: staff with roles, orders, approval steps -------------------

    def backoffice(self):
        from bench.generate_backoffice import backoffice

        backoffice(self)

    def fulfilment(self):
        from bench.generate_fulfilment import fulfilment

        fulfilment(self)

    def billing(self):
        from bench.generate_billing import billing

        billing(self)

    def shipped_rollup(self):
        """The stock dashboard's rollup from the shipment moves written in bulk above."""
        from catalog.shipped import rebuild_shipped_months

        self.counts["shipped months"] = rebuild_shipped_months()

    def dashboards(self):
        from bench.generate_dashboards import dashboards

        dashboards(self)

    def stock_figures(self):
        """The stock dashboard's per-product figures, as the scheduler refreshes them."""
        from portal.dashboards.stock_figures import refresh

        self.counts["stock figure rows"] = refresh()

    def run(self) -> None:
        from django.db import transaction

        steps = [
            ("regions and tiers", self.regions_and_tiers),
            ("categories", self.categories),
            ("warehouse", self.warehouse),
            ("companies and buyers", self.companies_and_buyers),
            ("products", self.products),
            ("assortments", self.assortments),
            ("price lists", self.price_lists),
            ("lots and ledger", self.lots),
            ("back-office orders", self.backoffice),
            ("fulfilment", self.fulfilment),
            ("billing", self.billing),
            ("shipped rollup", self.shipped_rollup),
            ("dashboards", self.dashboards),
            ("stock figures", self.stock_figures),
        ]
        with transaction.atomic():
            for label, step in steps:
                started = time.monotonic()
                step()
                log(f"  {label:<22} {time.monotonic() - started:6.1f} s")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="small")
    args = parser.parse_args(argv)

    started = time.monotonic()
    import django
    from django.conf import settings

    django.setup()
    db = settings.DATABASES["default"]
    log(f"Bench data, scale {args.scale}: recreating database {db['NAME']!r}")
    recreate_database(db)

    from django.core.management import call_command
    from django.db import connection

    step = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"  {'migrate':<22} {time.monotonic() - step:6.1f} s")

    generator = Generator(args.scale)
    generator.run()

    step = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # the planner needs statistics before anything is measured
    log(f"  {'vacuum analyze':<22} {time.monotonic() - step:6.1f} s")
    # The shared cache (Redis under bench.settings) still holds the old data's people, their
    # memberships and sessions under ids the new rows reuse.
    from django.core.cache import cache

    cache.clear()
    for label, count in generator.counts.items():
        log(f"  {label:<22} {count:>9,}")
    log(f"Done in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
