"""The demo catalog of `manage.py seed_demo`: ColdChain Foods' products, prices and stock.

About 300 products are generated from compact word lists: each base item (English and Chinese
name, a price per kg, litre or piece) comes in one or more packs (1 kg bags, 10 kg cartons,
500 ml bottles...), so "Frozen chicken wings, mid joint" becomes FZ-1001 "… 1 kg" (10 × 1 kg
bags), FZ-1002 "… 2 kg" and FZ-1003 "… 10 kg carton". SKUs are numbered in the order of the
lists below, per temperature zone (FZ-1001, CH-2001, AM-3001, VD-4001).

`seed_catalog(report)` runs after seed_people (it needs the companies, tiers and the warehouse
user) inside the command's transaction. Like the rest of portal.demo it looks rows up by natural
keys (category slug, SKU, price list name, warehouse and location code, lot number) and brings
them in line with the data, so a second run writes nothing. Stock is booked only through
catalog.services, so the ledger and Lot.on_hand agree; a product that already has lots keeps
them (re-seeding next month adds no second round of stock).
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from accounts.models import PriceTier, User
from catalog.models import (
    Assortment,
    Category,
    Location,
    Lot,
    PriceList,
    PriceListEntry,
    Product,
    SalesUnit,
    StockLevel,
    StockMove,
    TemperatureZone,
    Warehouse,
)
from catalog.search import search_text_for
from catalog.services import Receipt, receive_stock
from catalog.stock import lots_expiring

from . import data
from .people import company_by_key

CASE, CARTON, KG, PIECE, BAG, BOTTLE = (
    SalesUnit.CASE,
    SalesUnit.CARTON,
    SalesUnit.KG,
    SalesUnit.PIECE,
    SalesUnit.BAG,
    SalesUnit.BOTTLE,
)
FROZEN, CHILLED, AMBIENT = TemperatureZone.FROZEN, TemperatureZone.CHILLED, TemperatureZone.AMBIENT

# ---------------------------------------------------------------------------------------------
# Packs: how a base item is sold
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pack:
    """One way of selling an item.

    `size` is how many of the item's price units (kg, litre, piece) one pack holds; the price of
    one sales unit is item price × size × (per_case when sold by the case) × factor, where the
    factor makes small packs dearer per kg and bulk packs cheaper. `desc` is the pack
    description; {container} is filled in from the item ("bag", "tray", "bottle"...).
    """

    en: str
    zh: str
    size: Decimal
    per_case: int
    unit: str
    desc: str
    factor: Decimal = Decimal("1")
    moq: int = 1
    multiple: int = 1


def _pack(en, zh, size, per_case, unit, desc, factor="1", moq=1, multiple=1) -> Pack:
    return Pack(en, zh, Decimal(size), per_case, unit, desc, Decimal(factor), moq, multiple)


# fmt: off
PACKS = {
    # by weight
    "250g": _pack("250 g", "250g", "0.25", 40, CASE, "40 × 250 g {container}s", "1.10"),
    "400g": _pack("400 g", "400g", "0.4", 24, CASE, "24 × 400 g {container}s", "1.06"),
    "500g": _pack("500 g", "500g", "0.5", 20, CASE, "20 × 500 g {container}s", "1.05"),
    "1kg": _pack("1 kg", "1kg", "1", 10, CASE, "10 × 1 kg {container}s"),
    "2kg": _pack("2 kg", "2kg", "2", 6, CASE, "6 × 2 kg {container}s", "0.97"),
    "2.5kg": _pack("2.5 kg", "2.5kg", "2.5", 4, CASE, "4 × 2.5 kg {container}s", "0.96"),
    "5kg": _pack("5 kg", "5kg", "5", 4, CASE, "4 × 5 kg {container}s", "0.94"),
    "10kg": _pack("10 kg carton", "10kg/箱", "10", 1, CARTON, "10 kg loose in one carton", "0.92"),
    "25kg": _pack("25 kg sack", "25kg/袋", "25", 1, BAG, "1 × 25 kg sack", "0.90", moq=2),
    "kg": _pack("(per kg)", "（按公斤）", "1", 1, KG, "vacuum-packed pieces of 2–3 kg, sold by weight", moq=5),
    # by volume
    "250ml": _pack("250 ml", "250ml", "0.25", 24, CASE, "24 × 250 ml {container}s", "1.10"),
    "330ml": _pack("330 ml", "330ml", "0.33", 24, CASE, "24 × 330 ml {container}s", "1.05"),
    "500ml": _pack("500 ml", "500ml", "0.5", 12, BOTTLE, "500 ml {container}, 12 to a case", "1.05", 12, 12),
    "550ml": _pack("550 ml", "550ml", "0.55", 24, CASE, "24 × 550 ml {container}s"),
    "1L": _pack("1 L", "1L", "1", 12, BOTTLE, "1 L {container}, 12 to a case", "1", 6, 6),
    "1.9L": _pack("1.9 L", "1.9L", "1.9", 6, BOTTLE, "1.9 L {container}, 6 to a case", "0.96", 6, 6),
    "4L": _pack("4 L", "4L", "4", 4, CASE, "4 × 4 L {container}s", "0.95"),
    "5L": _pack("5 L", "5L", "5", 4, CASE, "4 × 5 L {container}s", "0.93"),
    "20L": _pack("20 L", "20L", "20", 1, CASE, "1 × 20 L {container}", "0.90"),
}
# fmt: on

# ---------------------------------------------------------------------------------------------
# Categories and the items in them
#
# Category: (slug, English, Chinese, parent slug, expiry warning days). Leaf categories hold
# items: (English, Chinese, price per kg / litre / piece in CNY, packs, options). Options:
# "tax" (a rate other than the category's), "shelf" (days; otherwise the category's choices in
# turn), "in" (the container: bag, tray, bottle...), "inactive" (True, or the pack keys that
# are discontinued), "backorder", "desc" (a sentence for the description).
# ---------------------------------------------------------------------------------------------

VET_SLUG = "veterinary-drugs"

# fmt: off
ROOTS = [
    ("frozen", "Frozen", "冷冻食品", 60),
    ("chilled", "Chilled", "冷藏食品", 5),
    ("ambient", "Ambient", "常温食品", 60),
    (VET_SLUG, "Veterinary drugs", "兽药", 90),  # restricted to licence holders: see _seed_categories
]

ROOT_ZONES = {"frozen": FROZEN, "chilled": CHILLED, "ambient": AMBIENT, VET_SLUG: AMBIENT}
ZONE_PREFIX = {"frozen": ("FZ", 1001), "chilled": ("CH", 2001), "ambient": ("AM", 3001), VET_SLUG: ("VD", 4001)}

# slug, English, Chinese, root, warning days, default tax, shelf-life choices, default container
LEAVES = [
    ("frozen-meat-poultry", "Meat & poultry", "肉类禽类", "frozen", 60, "9", (365, 540, 450), "bag"),
    ("frozen-seafood", "Seafood", "水产海鲜", "frozen", 60, "9", (540, 365, 450), "bag"),
    ("frozen-dumplings", "Dumplings & dim sum", "速冻面点", "frozen", 45, "13", (365, 540), "bag"),
    ("frozen-vegetables", "Vegetables", "速冻蔬菜", "frozen", 60, "9", (540, 365), "bag"),
    ("frozen-desserts", "Desserts", "冷冻甜品", "frozen", 45, "13", (365, 540), "box"),
    ("chilled-dairy", "Dairy", "乳制品", "chilled", 5, "13", (21, 30), "pack"),
    ("chilled-fresh-meat", "Fresh meat", "冷鲜肉", "chilled", 3, "9", (12, 10), "tray"),
    ("chilled-tofu-soy", "Tofu & soy", "豆制品", "chilled", 3, "13", (7, 10), "box"),
    ("chilled-sauces-dips", "Sauces & dips", "酱料蘸料", "chilled", 7, "13", (45, 60, 30), "tub"),
    ("ambient-dry-goods", "Dry goods", "粮食干货", "ambient", 60, "9", (365, 540, 720), "bag"),
    ("ambient-oils-condiments", "Oils & condiments", "食用油与调味品", "ambient", 60, "13", (540, 720, 365), "bottle"),
    ("ambient-beverages", "Beverages", "饮料", "ambient", 45, "13", (270, 365, 180), "bottle"),
    ("ambient-packaging", "Packaging", "包装耗材", "ambient", 30, "13", (720,), "pack"),
    # Veterinary drugs are one restricted root category holding products directly.
]

ITEMS = {
    "frozen-meat-poultry": [
        ("Frozen chicken wings, mid joint", "冷冻鸡翅中", "38", "1kg 2kg 10kg"),
        ("Frozen whole chicken wings", "冷冻整鸡翅", "28", "1kg 10kg"),
        ("Frozen chicken drumsticks", "冷冻鸡腿", "18", "1kg 2kg 10kg"),
        ("Frozen chicken breast fillets", "冷冻鸡胸肉", "20", "1kg 2kg 10kg"),
        ("Frozen boneless chicken thighs", "冷冻去骨鸡腿肉", "24", "1kg 2kg 10kg"),
        ("Frozen marinated chicken wings, Orleans style", "冷冻奥尔良腌制鸡翅", "36", "1kg 2kg", {"tax": "13"}),
        ("Frozen chicken feet", "冷冻凤爪", "26", "1kg 10kg"),
        ("Frozen duck breast", "冷冻鸭胸肉", "30", "1kg 2kg"),
        ("Frozen duck tongues", "冷冻鸭舌", "72", "500g 1kg", {"inactive": "500g"}),
        ("Frozen pork belly slices", "冷冻五花肉片", "36", "500g 1kg 2kg"),
        ("Frozen pork spare ribs, cut", "冷冻猪肋排段", "42", "1kg 10kg"),
        ("Frozen minced pork", "冷冻猪肉馅", "28", "1kg 2kg"),
        ("Frozen pork tenderloin", "冷冻猪里脊", "30", "1kg 10kg"),
        ("Frozen pork trotters, split", "冷冻猪蹄块", "24", "1kg 10kg"),
        ("Frozen beef rolls, sliced for hot pot", "冷冻肥牛卷", "58", "500g 1kg 2.5kg"),
        ("Frozen lamb rolls, sliced for hot pot", "冷冻羊肉卷", "62", "500g 1kg 2.5kg"),
        ("Frozen beef brisket", "冷冻牛腩", "56", "1kg 10kg"),
        ("Frozen beef shank", "冷冻牛腱子", "68", "1kg 10kg"),
        ("Frozen beef short ribs", "冷冻牛小排", "96", "1kg 2kg"),
        ("Frozen beef tripe", "冷冻牛百叶", "44", "500g 1kg"),
        ("Frozen lamb chops", "冷冻羊排", "78", "1kg 2kg"),
        ("Frozen bone-in lamb leg", "冷冻带骨羊腿", "58", "10kg"),
        ("Frozen bacon slices", "冷冻培根片", "48", "1kg 2kg", {"tax": "13"}),
        ("Frozen chicken nuggets", "冷冻鸡块", "32", "1kg 2kg", {"tax": "13"}),
        ("Frozen beef burger patties", "冷冻牛肉汉堡饼", "52", "1kg 2kg", {"tax": "13"}),
        ("Frozen Cantonese char siu", "冷冻广式叉烧", "64", "500g 1kg", {"tax": "13"}),
    ],
    "frozen-seafood": [
        ("Frozen peeled shrimp, 31/40", "冷冻虾仁 31/40", "85", "500g 1kg 2kg"),
        ("Frozen whiteleg shrimp, head on", "冷冻南美白虾", "60", "1kg 2kg"),
        ("Frozen squid rings", "冷冻鱿鱼圈", "34", "1kg 10kg"),
        ("Frozen squid tubes", "冷冻鱿鱼筒", "32", "1kg 10kg"),
        ("Frozen cod fillets", "冷冻鳕鱼柳", "98", "1kg 5kg"),
        ("Frozen salmon portions", "冷冻三文鱼块", "120", "1kg 5kg"),
        ("Frozen basa fillets", "冷冻巴沙鱼柳", "22", "1kg 10kg"),
        ("Frozen large yellow croaker", "冷冻大黄鱼", "40", "1kg 10kg"),
        ("Frozen whole tilapia", "冷冻罗非鱼", "18", "10kg"),
        ("Frozen hairtail, cut", "冷冻带鱼段", "34", "1kg 10kg"),
        ("Frozen silver pomfret", "冷冻白鲳鱼", "48", "1kg 10kg"),
        ("Frozen crayfish tails", "冷冻小龙虾尾", "110", "500g 1kg"),
        ("Frozen octopus", "冷冻章鱼", "52", "1kg"),
        ("Frozen abalone, in shell", "冷冻带壳鲍鱼", "180", "500g"),
        ("Frozen scallop meat", "冷冻扇贝肉", "88", "500g 1kg"),
        ("Frozen half-shell mussels", "冷冻半壳青口", "36", "1kg 10kg"),
        ("Frozen clam meat", "冷冻蛤蜊肉", "46", "500g 1kg"),
        ("Frozen crab sticks", "冷冻蟹柳", "24", "500g 1kg", {"tax": "13"}),
        ("Frozen fish balls", "冷冻鱼丸", "26", "500g 1kg 2.5kg", {"tax": "13"}),
        ("Frozen cuttlefish balls", "冷冻墨鱼丸", "38", "500g 1kg", {"tax": "13"}),
        ("Frozen eel fillets, grilled", "冷冻烤鳗鱼", "150", "500g 1kg", {"tax": "13"}),
    ],
    "frozen-dumplings": [
        ("Frozen shrimp dumplings", "冷冻虾饺", "95", "500g 1kg",
         {"desc": "Har gow: whole shrimp in a thin crystal-starch wrapper; steam 6–8 minutes from frozen.",
          "desc_zh": "虾饺：整只虾仁裹以薄透的水晶皮；无需解冻，直接蒸6–8分钟。"}),
        ("Frozen pork and cabbage dumplings", "冷冻猪肉白菜水饺", "24", "1kg 2.5kg", {"backorder": True}),
        ("Frozen pork and chive dumplings", "冷冻猪肉韭菜水饺", "24", "1kg 2.5kg"),
        ("Frozen beef and scallion dumplings", "冷冻牛肉大葱水饺", "32", "1kg 2.5kg"),
        ("Frozen shrimp and pork wontons", "冷冻鲜虾猪肉馄饨", "36", "500g 1kg"),
        ("Frozen pork siu mai", "冷冻猪肉烧卖", "48", "500g 1kg"),
        ("Frozen xiaolongbao", "冷冻小笼包", "42", "500g 1kg"),
        ("Frozen barbecue pork buns", "冷冻叉烧包", "30", "1kg 2kg"),
        ("Frozen custard buns", "冷冻奶黄包", "28", "1kg 2kg"),
        ("Frozen mushroom and greens buns", "冷冻香菇青菜包", "22", "1kg 2kg"),
        ("Frozen steamed buns (mantou)", "冷冻馒头", "12", "1kg 2kg"),
        ("Frozen shrimp rice rolls", "冷冻鲜虾肠粉", "46", "1kg"),
        ("Frozen chicken feet in black bean sauce", "冷冻豉汁凤爪", "44", "500g 1kg"),
        ("Frozen spring rolls", "冷冻春卷", "26", "1kg 2kg"),
        ("Frozen black sesame tangyuan", "冷冻黑芝麻汤圆", "22", "500g 1kg"),
        ("Frozen peanut tangyuan", "冷冻花生汤圆", "22", "500g 1kg"),
        ("Frozen potstickers", "冷冻锅贴", "28", "1kg 2kg"),
        ("Frozen sticky rice in lotus leaf", "冷冻糯米鸡", "40", "1kg"),
        ("Frozen scallion pancakes", "冷冻葱油饼", "18", "1kg 2kg"),
        ("Frozen radish cake", "冷冻萝卜糕", "20", "1kg"),
    ],
    "frozen-vegetables": [
        ("Frozen green peas", "冷冻青豆", "12", "1kg 10kg"),
        ("Frozen sweet corn kernels", "冷冻玉米粒", "11", "1kg 10kg"),
        ("Frozen mixed vegetables", "冷冻什锦蔬菜", "13", "1kg 10kg"),
        ("Frozen broccoli florets", "冷冻西兰花", "14", "1kg 10kg"),
        ("Frozen cauliflower florets", "冷冻花椰菜", "12", "1kg 10kg"),
        ("Frozen cut green beans", "冷冻四季豆", "12", "1kg 10kg"),
        ("Frozen okra", "冷冻秋葵", "22", "1kg"),
        ("Frozen lotus root slices", "冷冻藕片", "16", "1kg"),
        ("Frozen diced onion", "冷冻洋葱丁", "8", "1kg 10kg"),
        ("Frozen edamame in pods", "冷冻毛豆荚", "15", "500g 1kg 10kg"),
        ("Frozen spinach", "冷冻菠菜", "12", "1kg 10kg"),
        ("Frozen diced carrots", "冷冻胡萝卜丁", "9", "1kg 10kg"),
        ("Frozen sliced shiitake mushrooms", "冷冻香菇片", "26", "1kg"),
        ("Frozen french fries, 9 mm", "冷冻薯条 9mm", "12", "2.5kg", {"tax": "13", "backorder": True}),
        ("Frozen sweet potato fries", "冷冻红薯条", "18", "2.5kg", {"tax": "13"}),
        ("Frozen taro balls", "冷冻芋圆", "18", "500g 1kg", {"tax": "13"}),
    ],
    "frozen-desserts": [
        ("Vanilla ice cream", "香草冰淇淋", "22", "4L", {"in": "tub"}),
        ("Mango sorbet", "芒果雪葩", "26", "4L", {"in": "tub"}),
        ("Chocolate ice cream", "巧克力冰淇淋", "24", "4L", {"in": "tub"}),
        ("Frozen mango purée", "冷冻芒果果泥", "30", "1kg", {"in": "pouch"}),
        ("Frozen mixed berries", "冷冻混合浆果", "38", "1kg 2.5kg", {"tax": "9", "in": "bag"}),
        ("Frozen tiramisu", "冷冻提拉米苏", "96", "1kg", {"in": "tray"}),
        ("Frozen egg tart shells", "冷冻蛋挞皮", "36", "1kg"),
        ("Frozen mango mochi", "冷冻芒果雪媚娘", "58", "500g"),
        ("Frozen New York cheesecake", "冷冻纽约芝士蛋糕", "88", "1kg", {"inactive": True}),
        ("Frozen durian pancakes", "冷冻榴莲班戟", "66", "500g 1kg"),
        ("Frozen sesame balls", "冷冻麻球", "24", "1kg"),
    ],
    "chilled-dairy": [
        ("Fresh milk", "鲜牛奶", "14", "1L 1.9L", {"tax": "9", "shelf": 7, "in": "bottle"}),
        ("Whipping cream 35%", "淡奶油 35%", "42", "1L", {"shelf": 60, "in": "carton"}),
        ("Greek-style yogurt", "希腊酸奶", "36", "1kg", {"shelf": 21, "in": "tub"}),
        ("Plain drinking yogurt", "原味酸奶", "18", "1L", {"shelf": 21, "in": "bottle"}),
        ("Unsalted butter", "无盐黄油", "68", "1kg 5kg", {"shelf": 60, "in": "block"}),
        ("Salted butter", "有盐黄油", "66", "1kg", {"shelf": 60, "in": "block"}),
        ("Mascarpone", "马斯卡彭奶酪", "76", "500g", {"shelf": 45, "in": "tub"}),
        ("Grated parmesan", "帕玛森奶酪碎", "160", "1kg", {"shelf": 60}),
        ("Shredded mozzarella", "马苏里拉奶酪碎", "58", "1kg 2kg", {"shelf": 60}),
        ("Cream cheese", "奶油奶酪", "62", "1kg", {"shelf": 45, "in": "block"}),
        ("Cheddar slices", "切达奶酪片", "66", "1kg", {"shelf": 45}),
    ],
    "chilled-fresh-meat": [
        ("Chilled pork belly, skin on", "冷鲜带皮五花肉", "32", "kg"),
        ("Chilled pork loin", "冷鲜猪里脊", "30", "kg"),
        ("Chilled pork spare ribs", "冷鲜猪肋排", "38", "kg"),
        ("Chilled chicken thighs", "冷鲜鸡腿", "19", "2kg kg"),
        ("Chilled chicken breast", "冷鲜鸡胸肉", "21", "2kg kg"),
        ("Chilled pork shoulder", "冷鲜猪前腿肉", "27", "kg"),
        ("Chilled beef brisket", "冷鲜牛腩", "64", "kg", {"shelf": 14}),
        ("Chilled beef sirloin", "冷鲜西冷牛肉", "118", "kg", {"shelf": 21}),
        ("Chilled minced beef", "冷鲜牛肉馅", "62", "1kg", {"shelf": 7}),
        ("Chilled boneless lamb leg", "冷鲜去骨羊腿", "86", "kg", {"shelf": 14}),
    ],
    "chilled-tofu-soy": [
        ("Firm tofu", "老豆腐", "9", "500g 2kg"),
        ("Silken tofu", "内酯豆腐", "10", "400g"),
        ("Pressed tofu", "豆腐干", "16", "500g", {"shelf": 14}),
        ("Smoked tofu", "熏豆干", "20", "500g", {"shelf": 21}),
        ("Fresh soy milk, unsweetened", "鲜豆浆", "8", "1L", {"in": "bottle", "shelf": 7}),
        ("Tofu skin", "豆腐皮", "22", "500g", {"shelf": 14, "in": "bag"}),
        ("Fried tofu puffs", "油豆腐", "20", "500g", {"shelf": 14, "in": "bag"}),
    ],
    "chilled-sauces-dips": [
        ("Sesame hot pot dip", "火锅麻酱蘸料", "28", "1kg"),
        ("Garlic chili sauce", "蒜蓉辣椒酱", "26", "1kg"),
        ("Chili oil dip", "红油辣子", "32", "1kg"),
        ("Satay sauce", "沙爹酱", "36", "1kg"),
        ("XO sauce", "XO酱", "180", "500g", {"in": "jar"}),
        ("Ginger and scallion sauce", "姜葱酱", "34", "500g 1kg"),
        ("Mayonnaise", "蛋黄酱", "24", "1kg 5kg", {"shelf": 60}),
        ("Thousand Island dressing", "千岛酱", "26", "1kg"),
        ("Sweet and sour sauce", "糖醋酱", "20", "1kg"),
    ],
    "ambient-dry-goods": [
        ("Jasmine rice", "泰国香米", "9", "5kg 25kg", {"backorder": True}),
        ("Northeast japonica rice", "东北大米", "7", "5kg 25kg"),
        ("All-purpose wheat flour", "中筋面粉", "5", "5kg 25kg"),
        ("Glutinous rice", "糯米", "8", "5kg 25kg"),
        ("Red beans", "红小豆", "12", "1kg"),
        ("Dried rice noodles", "干米粉", "12", "500g 5kg", {"tax": "13"}),
        ("Dried egg noodles", "鸡蛋面", "14", "500g", {"tax": "13"}),
        ("Mung bean vermicelli", "龙口粉丝", "18", "250g 500g", {"tax": "13"}),
        ("Dried shiitake mushrooms", "干香菇", "90", "500g 1kg"),
        ("Dried black fungus", "干黑木耳", "80", "250g 500g"),
        ("Dried kelp strips", "干海带丝", "28", "500g"),
        ("Dried bean curd sticks", "腐竹", "34", "500g", {"tax": "13"}),
        ("Dried red chillies", "干辣椒", "40", "500g 1kg"),
        ("Sichuan peppercorns", "花椒", "120", "250g 500g"),
        ("White sesame seeds", "白芝麻", "24", "1kg"),
        ("Potato starch", "土豆淀粉", "10", "500g 1kg", {"tax": "13"}),
        ("Panko breadcrumbs", "日式面包糠", "16", "1kg", {"tax": "13"}),
        ("White sugar", "白砂糖", "7", "1kg 25kg", {"tax": "13"}),
    ],
    "ambient-oils-condiments": [
        ("Peanut oil", "花生油", "26", "5L 20L", {"tax": "9", "in": "drum", "backorder": True}),
        ("Soybean oil", "大豆油", "11", "5L 20L", {"tax": "9", "in": "drum"}),
        ("Rapeseed oil", "菜籽油", "14", "5L", {"tax": "9", "in": "drum"}),
        ("Corn oil", "玉米油", "15", "5L", {"tax": "9", "in": "drum"}),
        ("Toasted sesame oil", "芝麻香油", "64", "500ml 1.9L", {"tax": "9"}),
        ("Light soy sauce", "生抽酱油", "12", "500ml 1.9L"),
        ("Dark soy sauce", "老抽酱油", "13", "500ml 1.9L"),
        ("Oyster sauce", "蚝油", "16", "500ml 1.9L"),
        ("Chinkiang black vinegar", "镇江香醋", "12", "500ml"),
        ("Rice vinegar", "米醋", "8", "500ml"),
        ("Fish sauce", "鱼露", "22", "500ml"),
        ("Hoisin sauce", "海鲜酱", "20", "500ml"),
        ("Shaoxing cooking wine", "绍兴料酒", "10", "500ml 1.9L"),
        ("Chicken bouillon powder", "鸡精", "30", "1kg", {"in": "bag"}),
        ("Monosodium glutamate", "味精", "16", "1kg", {"in": "bag"}),
        ("Pixian chili bean paste", "郫县豆瓣酱", "18", "500g 1kg", {"in": "jar"}),
        ("Hot pot soup base, beef tallow", "牛油火锅底料", "48", "500g 2.5kg", {"in": "bag"}),
        ("Iodised table salt", "加碘食用盐", "4", "400g 1kg", {"in": "bag"}),
    ],
    "ambient-beverages": [
        ("Drinking water", "饮用纯净水", "2", "550ml", {"backorder": True}),
        ("Oolong tea drink, no sugar", "无糖乌龙茶饮料", "8", "500ml"),
        ("Green tea drink, no sugar", "无糖绿茶饮料", "8", "500ml"),
        ("UHT whole milk", "常温纯牛奶", "12", "250ml", {"tax": "9", "in": "carton"}),
        ("Coconut water", "椰子水", "18", "330ml 1L", {"in": "carton"}),
        ("Herbal tea", "凉茶", "12", "250ml", {"in": "can"}),
        ("Sparkling water, lemon", "柠檬味苏打水", "10", "330ml", {"in": "can"}),
        ("Orange juice, not from concentrate", "非浓缩还原橙汁", "20", "1L", {"in": "carton"}),
        ("Soy milk drink", "豆奶饮料", "10", "250ml", {"in": "carton"}),
        ("Plum juice", "酸梅汤", "9", "500ml 1.9L", {"inactive": "1.9L"}),
    ],
}

# Packaging and veterinary drugs come in packs of their own: (English, Chinese, price of one
# sales unit, Pack, options).
PACKAGING = [
    ("Foam cool box, 40 L", "泡沫保温箱 40L", "12",
     _pack("", "", "1", 10, PIECE, "flat-packed, 10 boxes with lids per bundle", moq=10, multiple=10)),
    ("Gel ice packs, 400 g", "冰袋 400g", "95", _pack("", "", "1", 50, CASE, "50 ice packs per case")),
    ("Takeaway containers, 750 ml", "一次性餐盒 750ml", "168",
     _pack("", "", "1", 300, CASE, "300 containers with lids per case")),
    ("Vacuum bags, 20 × 30 cm", "真空包装袋 20×30cm", "86", _pack("", "", "1", 1000, CASE, "1,000 bags per case")),
    ("Cling film, 30 cm × 300 m", "保鲜膜 30cm×300m", "216", _pack("", "", "1", 6, CASE, "6 rolls per case")),
    ("Insulated delivery bag, large", "大号保温配送袋", "45",
     _pack("", "", "1", 1, PIECE, "one bag, reusable, 45 × 35 × 30 cm"), {"inactive": True}),
    ("Food-grade gloves, nitrile", "食品级丁腈手套", "120", _pack("", "", "1", 10, CASE, "10 boxes of 100 gloves")),
]

VET_DRUGS = [
    ("Amoxicillin soluble powder 10%", "阿莫西林可溶性粉 10%", "48",
     _pack("500 g", "500g", "1", 20, BAG, "500 g bag, 20 bags per case")),
    ("Enrofloxacin injection 10%", "恩诺沙星注射液 10%", "26",
     _pack("100 ml", "100ml", "1", 50, BOTTLE, "100 ml vial, 50 vials per case")),
    ("Florfenicol powder 10%", "氟苯尼考粉 10%", "85",
     _pack("1 kg", "1kg", "1", 10, BAG, "1 kg bag, 10 bags per case")),
    ("Ivermectin injection 1%", "伊维菌素注射液 1%", "18",
     _pack("50 ml", "50ml", "1", 100, BOTTLE, "50 ml vial, 100 vials per case")),
    ("Doxycycline hyclate soluble powder 10%", "盐酸多西环素可溶性粉 10%", "56",
     _pack("500 g", "500g", "1", 20, BAG, "500 g bag, 20 bags per case")),
    ("Tilmicosin premix 20%", "替米考星预混剂 20%", "120",
     _pack("1 kg", "1kg", "1", 10, BAG, "1 kg bag, 10 bags per case")),
    ("Oxytetracycline injection 20%", "土霉素注射液 20%", "15",
     _pack("100 ml", "100ml", "1", 50, BOTTLE, "100 ml vial, 50 vials per case")),
    ("Ceftiofur sodium for injection, 1 g", "注射用头孢噻呋钠 1g", "9",
     _pack("", "", "1", 100, PIECE, "1 g vial of powder, 100 vials per case", moq=10, multiple=10)),
    ("Albendazole tablets", "阿苯达唑片", "22",
     _pack("100 tablets", "100片", "1", 40, BOTTLE, "bottle of 100 tablets")),
    ("Meloxicam injection 0.5%", "美洛昔康注射液 0.5%", "68",
     _pack("20 ml", "20ml", "1", 50, BOTTLE, "20 ml vial, for dogs and cats")),
]
# fmt: on
VET_OPTIONS = {
    "desc": "Prescription veterinary medicine: sold only to customers with a valid veterinary drug licence.",
    "desc_zh": "处方兽药：仅售予持有有效兽药经营许可证的客户。",
}

# The Chinese of each pack description above, with {container} as a Chinese measure word.
# fmt: off
PACK_DESC_ZH = {
    "40 × 250 g {container}s": "40{container} × 250克",
    "24 × 400 g {container}s": "24{container} × 400克",
    "20 × 500 g {container}s": "20{container} × 500克",
    "10 × 1 kg {container}s": "10{container} × 1公斤",
    "6 × 2 kg {container}s": "6{container} × 2公斤",
    "4 × 2.5 kg {container}s": "4{container} × 2.5公斤",
    "4 × 5 kg {container}s": "4{container} × 5公斤",
    "10 kg loose in one carton": "整箱散装10公斤",
    "1 × 25 kg sack": "1袋 × 25公斤",
    "vacuum-packed pieces of 2–3 kg, sold by weight": "真空包装，每块2–3公斤，按重量销售",
    "24 × 250 ml {container}s": "24{container} × 250毫升",
    "24 × 330 ml {container}s": "24{container} × 330毫升",
    "500 ml {container}, 12 to a case": "每{container}500毫升，每箱12{container}",
    "24 × 550 ml {container}s": "24{container} × 550毫升",
    "1 L {container}, 12 to a case": "每{container}1升，每箱12{container}",
    "1.9 L {container}, 6 to a case": "每{container}1.9升，每箱6{container}",
    "4 × 4 L {container}s": "4{container} × 4升",
    "4 × 5 L {container}s": "4{container} × 5升",
    "1 × 20 L {container}": "1{container} × 20升",
    "flat-packed, 10 boxes with lids per bundle": "折叠包装，每捆10个（带盖）",
    "50 ice packs per case": "每箱50个冰袋",
    "300 containers with lids per case": "每箱300个（带盖）",
    "1,000 bags per case": "每箱1000个",
    "6 rolls per case": "每箱6卷",
    "one bag, reusable, 45 × 35 × 30 cm": "单个，可重复使用，45 × 35 × 30厘米",
    "10 boxes of 100 gloves": "10盒，每盒100只",
    "500 g bag, 20 bags per case": "每袋500克，每箱20袋",
    "100 ml vial, 50 vials per case": "每瓶100毫升，每箱50瓶",
    "1 kg bag, 10 bags per case": "每袋1公斤，每箱10袋",
    "50 ml vial, 100 vials per case": "每瓶50毫升，每箱100瓶",
    "1 g vial of powder, 100 vials per case": "每瓶1克粉针，每箱100瓶",
    "bottle of 100 tablets": "每瓶100片",
    "20 ml vial, for dogs and cats": "每瓶20毫升，犬猫用",
}
# fmt: on
CONTAINER_ZH = {
    "bag": "袋",
    "block": "块",
    "bottle": "瓶",
    "box": "盒",
    "can": "罐",
    "carton": "盒",
    "drum": "桶",
    "jar": "瓶",
    "pack": "包",
    "piece": "件",
    "pouch": "袋",
    "tray": "盒",
    "tub": "盒",
    "vial": "瓶",
}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Price lists. Discounts are fractions off the list price; breaks are (minimum quantity, extra
# fraction off). Validity is in days from the day of seeding; None means open.
# ---------------------------------------------------------------------------------------------

DEFAULT_LIST = {"name": "List prices 2026", "name_zh": "2026年目录价", "valid_from": -120, "valid_until": None}

TIER_LISTS = [
    {"tier": "A", "name": "Tier A prices", "name_zh": "A级客户价", "discount": "0.12"},
    {"tier": "B", "name": "Tier B prices", "name_zh": "B级客户价", "discount": "0.08"},
    {"tier": "C", "name": "Tier C prices", "name_zh": "C级客户价", "discount": "0.04"},
]
TIER_BREAKS = [(10, "0.03"), (50, "0.06")]  # on every third product of a tier list

# Contract lists: which products (categories, optionally only some packs), how many, at what
# discount, with which breaks; "from_ten" items are priced only from 10 cases (a contract price
# from 10 cases does not price an order of 5: the tier list does). "next month" starts on the
# first of next month and runs a year.
CONTRACTS = [
    {
        "company": "bayside",
        "name": "Bayside Restaurants: contract prices",
        "name_zh": "海湾餐饮：合同价",
        "valid_from": -150,
        "valid_until": 215,
        "categories": ["frozen-seafood", "frozen-meat-poultry", "chilled-dairy"],
        "limit": 36,
        "discount": "0.15",
        "breaks": [(20, "0.03")],
        "from_ten": ["Frozen beef rolls, sliced for hot pot", "Frozen lamb rolls, sliced for hot pot"],
    },
    {
        "company": "bayside",
        "name": "Bayside Restaurants: previous contract",
        "name_zh": "海湾餐饮：上期合同价",
        "valid_from": -515,
        "valid_until": -151,
        "categories": ["frozen-seafood", "frozen-meat-poultry", "chilled-dairy"],
        "limit": 36,
        "discount": "0.10",
        "breaks": [],
    },
    {
        "company": "xiguan",
        "name": "Old Xiguan Tea House: contract prices",
        "name_zh": "西关老茶楼：合同价",
        "valid_from": -60,
        "valid_until": 305,
        "categories": ["frozen-dumplings", "chilled-sauces-dips", "frozen-seafood"],
        "limit": 30,
        "discount": "0.14",
        "breaks": [(30, "0.03"), (100, "0.05")],
    },
    {
        "company": "westlake",
        "name": "West Lake International Hotel: contract prices",
        "name_zh": "西湖国际酒店：合同价",
        "valid_from": -200,
        "valid_until": 165,
        "categories": [
            "frozen-meat-poultry",
            "frozen-seafood",
            "chilled-dairy",
            "frozen-desserts",
            "chilled-fresh-meat",
        ],
        "limit": 40,
        "discount": "0.13",
        "breaks": [(20, "0.02"), (50, "0.04")],
    },
    {
        "company": "freshmart",
        "name": "FreshMart Supermarkets: contract prices from next month",
        "name_zh": "鲜美超市：下月起生效的合同价",
        "valid_from": "next month",
        "valid_until": None,
        "categories": ["frozen-dumplings", "frozen-vegetables", "frozen-seafood", "frozen-desserts"],
        "packs": {"500g", "1kg", "4L"},
        "limit": 40,
        "discount": "0.16",
        "breaks": [(50, "0.03"), (100, "0.05")],
    },
]

# ---------------------------------------------------------------------------------------------
# Assortments: most companies see every active product; these see only their range.
# ---------------------------------------------------------------------------------------------

ASSORTMENTS = [
    {
        "name": "School canteen range",
        "companies": ["mingde"],
        "categories": [
            "frozen-meat-poultry",
            "frozen-seafood",
            "frozen-dumplings",
            "frozen-vegetables",
            "chilled-dairy",
            "chilled-fresh-meat",
            "chilled-tofu-soy",
            "ambient-dry-goods",
            "ambient-oils-condiments",
        ],
    },
    {
        "name": "Veterinary clinic range",
        "companies": ["petcare"],
        "categories": [VET_SLUG, "ambient-packaging"],
    },
]

# ---------------------------------------------------------------------------------------------
# Warehouses and stock
# ---------------------------------------------------------------------------------------------

WAREHOUSES = [
    {"code": "sh1", "name": "Shanghai cold store", "locations": {FROZEN: 10, CHILLED: 5, AMBIENT: 5}},
    {"code": "gz1", "name": "Guangzhou cold store", "locations": {FROZEN: 6, CHILLED: 3, AMBIENT: 3}},
]
ZONE_LOCATION_PREFIX = {FROZEN: "F", CHILLED: "C", AMBIENT: "A"}

# The recalled lot is the recalled product's history lot (portal.demo.orders): it reaches the
# customers that order the product through shipments, and is recalled once the history is written
# (portal.demo.fulfilment.recall_demo_lot).
RECALLED_PRODUCT = "Frozen shrimp dumplings 1 kg"
RECALLED_LOT = "2405-SD-118"

# Which products get which stock story: every n-th active product (by position, first match).
OUT_OF_STOCK_EVERY, LOW_EVERY, NEAR_EXPIRY_EVERY, EXPIRED_EVERY = (23, 5), (13, 3), (9, 2), (29, 7)


# ---------------------------------------------------------------------------------------------
# The generated rows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductRow:
    sku: str
    base: str
    pack_key: str
    fields: dict
    category_slug: str
    list_price: Decimal


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _list_price(price: Decimal, pack: Pack) -> Decimal:
    per_unit = price * pack.size * (pack.per_case if pack.unit == CASE else 1) * pack.factor
    step = Decimal("0.5") if per_unit >= 20 else Decimal("0.1")
    return _money((per_unit / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * step)


def _name(base: str, suffix: str, *, chinese: bool) -> str:
    if not suffix:
        return base
    if chinese and suffix.startswith("（"):
        return base + suffix
    return f"{base} {suffix}"


def _description(zone: str, pack_desc: str, shelf_life: int | None, extra: str) -> str:
    keep = {
        FROZEN: "Keep frozen at −18 °C or below; do not refreeze once thawed.",
        CHILLED: "Keep chilled at 0–4 °C.",
        AMBIENT: "Store dry and cool, away from direct sunlight.",
    }[zone]
    text = f"{pack_desc[0].upper()}{pack_desc[1:]}. {keep}"
    if shelf_life:
        text += f" Shelf life {shelf_life} days from production."
    return f"{extra} {text}" if extra else text


def _description_zh(zone: str, pack_desc: str, shelf_life: int | None, extra: str) -> str:
    keep = {
        FROZEN: "请于−18 °C或以下冷冻保存；解冻后请勿再次冷冻。",
        CHILLED: "请于0–4 °C冷藏保存。",
        AMBIENT: "请存放于阴凉干燥处，避免阳光直射。",
    }[zone]
    text = f"{pack_desc}。{keep}"
    if shelf_life:
        text += f"保质期自生产之日起{shelf_life}天。"
    return f"{extra}{text}" if extra else text


def product_rows() -> list[ProductRow]:
    """Every demo product, in SKU order, from the word lists above."""
    rows: list[ProductRow] = []
    counters = {root: start for root, (_prefix, start) in ZONE_PREFIX.items()}

    def add(root, category_slug, en, zh, price, pack_key, pack, options, tax, shelf, container, *, unit_price=False):
        prefix = ZONE_PREFIX[root][0]
        sku = f"{prefix}-{counters[root]}"
        counters[root] += 1
        inactive = options.get("inactive", False)
        active = not (inactive is True or (isinstance(inactive, str) and pack_key in inactive.split()))
        zone = ROOT_ZONES[root]
        pack_desc = pack.desc.format(container=container)
        pack_desc_zh = PACK_DESC_ZH[pack.desc].format(container=CONTAINER_ZH[container])
        shelf_said = None if category_slug == "ambient-packaging" else shelf
        fields = {
            "name_en": _name(en, pack.en, chinese=False),
            "name_zh": _name(zh, pack.zh, chinese=True),
            "description": _description(zone, pack_desc, shelf_said, options.get("desc", "")),
            "description_zh": _description_zh(zone, pack_desc_zh, shelf_said, options.get("desc_zh", "")),
            "sales_unit": pack.unit,
            "units_per_case": pack.per_case,
            "unit_description": pack_desc,
            "unit_description_zh": pack_desc_zh,
            "min_order_quantity": pack.moq,
            "order_multiple": pack.multiple,
            "temperature_zone": zone,
            "shelf_life_days": shelf,
            "lot_tracked": category_slug != "ambient-packaging",
            "allow_backorder": bool(options.get("backorder", False)),
            "tax_rate": Decimal(options.get("tax", tax)).quantize(Decimal("0.01")),
            "active": active,
        }
        list_price = _money(Decimal(price)) if unit_price else _list_price(Decimal(price), pack)
        rows.append(ProductRow(sku, en, pack_key, fields, category_slug, list_price))

    for slug, _en, _zh, root, _warning, tax, shelves, container in LEAVES:
        for index, item in enumerate(ITEMS.get(slug, [])):
            en, zh, price, pack_keys, *rest = item
            options = rest[0] if rest else {}
            shelf = options.get("shelf", shelves[index % len(shelves)])
            for pack_key in pack_keys.split():
                add(
                    root,
                    slug,
                    en,
                    zh,
                    price,
                    pack_key,
                    PACKS[pack_key],
                    options,
                    tax,
                    shelf,
                    options.get("in", container),
                )
    for en, zh, price, pack, *rest in PACKAGING:
        options = rest[0] if rest else {}
        add("ambient", "ambient-packaging", en, zh, price, "", pack, options, "13", 720, "piece", unit_price=True)
    for index, (en, zh, price, pack) in enumerate(VET_DRUGS):
        shelf = (720, 540, 630)[index % 3]
        add(VET_SLUG, VET_SLUG, en, zh, price, "", pack, VET_OPTIONS, "13", shelf, "vial", unit_price=True)
    return rows


# ---------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------


def _sync(report, model, lookup: dict, fields: dict):
    """Find the row by its natural key; create it, or save it only if a field differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **fields)
        report.record(obj, True)
        return obj
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, fields[name])
        obj.save(update_fields=changed)
    return obj


def seed_catalog(report) -> None:
    """Categories, products, price lists, assortments, warehouses and stock with a ledger."""
    today = timezone.localdate()
    rows = product_rows()
    categories = _seed_categories(report, data.VET_LICENCE)
    products = _seed_products(report, rows, categories)
    lists = _seed_price_lists(report, rows, products, today)
    _seed_assortments(report, rows, products)
    warehouse_user = User.objects.get(email=next(row["email"] for row in data.STAFF if row["key"] == "warehouse"))
    _seed_stock(report, rows, products, categories, warehouse_user, today)

    active = sum(1 for row in rows if row.fields["active"])
    expiring = lots_expiring(today=today)
    expired = sum(1 for lot in expiring if lot.expiry_date < today)
    stocked = set(Lot.objects.filter(on_hand__gt=0).values_list("product_id", flat=True))
    out = sum(1 for row in rows if row.fields["active"] and products[row.sku].pk not in stocked)
    report.notes.append(
        f"Catalog: {len(rows)} products ({len(rows) - active} inactive) in {len(categories)} categories, "
        f"{len(lists)} price lists, {Lot.objects.count()} lots in {Warehouse.objects.count()} warehouses "
        f"({len(expiring) - expired} near expiry, {expired} expired, {out} products out of stock)."
    )


def _seed_categories(report, vet_licence: str) -> dict[str, Category]:
    existing = {category.slug: category for category in Category.objects.all()}
    specs = [(slug, en, zh, None, warning) for slug, en, zh, warning in ROOTS]
    specs += [(slug, en, zh, root, warning) for slug, en, zh, root, warning, *_rest in LEAVES]
    categories = {}
    for slug, en, zh, parent_slug, warning in specs:
        restricted = slug == VET_SLUG
        fields = {
            "name_en": en,
            "name_zh": zh,
            "expiry_warning_days": warning,
            "restricted": restricted,
            "licence_kind": vet_licence if restricted else "",
        }
        category = existing.get(slug)
        if category is None:
            if parent_slug is None:
                category = Category.add_root(slug=slug, **fields)
            else:
                # Fetched afresh: treebeard needs the parent's current path and child count.
                category = Category.objects.get(slug=parent_slug).add_child(slug=slug, **fields)
            report.record(category, True)
        else:
            changed = [name for name, value in fields.items() if getattr(category, name) != value]
            if changed:
                for name in changed:
                    setattr(category, name, fields[name])
                category.save(update_fields=changed)
        categories[slug] = category
    return categories


def _seed_products(report, rows: list[ProductRow], categories: dict[str, Category]) -> dict[str, Product]:
    existing = {product.sku: product for product in Product.objects.filter(sku__in=[row.sku for row in rows])}
    new = []
    for row in rows:
        fields = {**row.fields, "category_id": categories[row.category_slug].pk}
        product = existing.get(row.sku)
        if product is None:
            product = Product(sku=row.sku, **fields)
            product.search_text = search_text_for(product)  # what Product.save() would set
            new.append(product)
            continue
        changed = [name for name, value in fields.items() if getattr(product, name) != value]
        if changed:
            for name in changed:
                setattr(product, name, fields[name])
            product.save()
    if new:
        Product.objects.bulk_create(new)
        report.created[str(Product._meta.verbose_name_plural)] += len(new)
    return {product.sku: product for product in Product.objects.filter(sku__in=[row.sku for row in rows])}


def _window(today: date, valid_from, valid_until) -> tuple[date | None, date | None]:
    if valid_from == "next month":
        start = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return start, start.replace(year=start.year + 1) - timedelta(days=1)
    return (
        None if valid_from is None else today + timedelta(days=valid_from),
        None if valid_until is None else today + timedelta(days=valid_until),
    )


def _off(price: Decimal, *fractions: str) -> Decimal:
    for fraction in fractions:
        price = price * (1 - Decimal(fraction))
    return _money(price)


def _seed_price_lists(report, rows, products, today) -> list[PriceList]:
    """The default list, one list per tier and the contract lists, with their entries."""
    active_rows = [row for row in rows if row.fields["active"]]
    wanted: dict[PriceList, dict[tuple[int, int], Decimal]] = {}

    valid_from, valid_until = _window(today, DEFAULT_LIST["valid_from"], DEFAULT_LIST["valid_until"])
    default = _price_list(report, DEFAULT_LIST, PriceList.Kind.DEFAULT, valid_from, valid_until)
    wanted[default] = {(products[row.sku].pk, 1): row.list_price for row in active_rows}

    tiers = {tier.code: tier for tier in PriceTier.objects.all()}
    for spec in TIER_LISTS:
        price_list = _price_list(
            report, spec, PriceList.Kind.TIER, valid_from, valid_until, price_tier=tiers[spec["tier"]]
        )
        entries = {}
        for position, row in enumerate(active_rows):
            price = _off(row.list_price, spec["discount"])
            entries[(products[row.sku].pk, 1)] = price
            if position % 3 == 0:
                for quantity, extra in TIER_BREAKS:
                    entries[(products[row.sku].pk, quantity)] = _off(price, extra)
        wanted[price_list] = entries

    for spec in CONTRACTS:
        company = company_by_key(spec["company"])
        start, end = _window(today, spec["valid_from"], spec["valid_until"])
        price_list = _price_list(report, spec, PriceList.Kind.CONTRACT, start, end, company=company, priority=10)
        chosen = [
            row
            for row in active_rows
            if row.category_slug in spec["categories"] and (not spec.get("packs") or row.pack_key in spec["packs"])
        ]
        step = max(1, len(chosen) // spec["limit"])
        chosen = chosen[::step][: spec["limit"]]
        from_ten = set(spec.get("from_ten", ()))
        chosen += [row for row in active_rows if row.base in from_ten and row not in chosen]
        entries = {}
        for position, row in enumerate(chosen):
            price = _off(row.list_price, spec["discount"])
            product_id = products[row.sku].pk
            if row.base in from_ten:
                entries[(product_id, 10)] = _off(price, "0.03")
                continue
            entries[(product_id, 1)] = price
            if position % 2 == 0:
                for quantity, extra in spec["breaks"]:
                    entries[(product_id, quantity)] = _off(price, extra)
        wanted[price_list] = entries

    _sync_entries(report, wanted)
    return list(wanted)


def _price_list(report, spec, kind, valid_from, valid_until, *, company=None, price_tier=None, priority=100):
    return _sync(
        report,
        PriceList,
        {"name": spec["name"], "kind": kind},
        {
            "name_zh": spec["name_zh"],
            "company": company,
            "price_tier": price_tier,
            "currency": "CNY",
            "valid_from": valid_from,
            "valid_until": valid_until,
            "priority": priority,
            "active": True,
        },
    )


def _sync_entries(report, wanted: dict[PriceList, dict[tuple[int, int], Decimal]]) -> None:
    """Create missing entries and correct changed prices, in a handful of queries."""
    existing = {
        (price_list_id, product_id, min_quantity): (pk, unit_price)
        for pk, price_list_id, product_id, min_quantity, unit_price in PriceListEntry.objects.filter(
            price_list__in=list(wanted)
        ).values_list("pk", "price_list_id", "product_id", "min_quantity", "unit_price")
    }
    new, changed = [], []
    for price_list, entries in wanted.items():
        for (product_id, min_quantity), unit_price in entries.items():
            found = existing.get((price_list.pk, product_id, min_quantity))
            if found is None:
                new.append(
                    PriceListEntry(
                        price_list=price_list, product_id=product_id, min_quantity=min_quantity, unit_price=unit_price
                    )
                )
            elif found[1] != unit_price:
                changed.append(PriceListEntry(pk=found[0], unit_price=unit_price))
    if new:
        PriceListEntry.objects.bulk_create(new, batch_size=1000)
        report.created[str(PriceListEntry._meta.verbose_name_plural)] += len(new)
    if changed:
        PriceListEntry.objects.bulk_update(changed, ["unit_price"], batch_size=1000)


def _seed_assortments(report, rows, products) -> None:
    for spec in ASSORTMENTS:
        assortment = _sync(report, Assortment, {"name": spec["name"]}, {})
        product_ids = {products[row.sku].pk for row in rows if row.category_slug in spec["categories"]}
        if set(assortment.products.values_list("pk", flat=True)) != product_ids:
            assortment.products.set(product_ids)
        company_ids = {company_by_key(key).pk for key in spec["companies"]}
        if set(assortment.companies.values_list("pk", flat=True)) != company_ids:
            assortment.companies.set(company_ids)


def _seed_warehouses(report) -> dict[str, dict[str, list[Location]]]:
    """Warehouse code → zone → its locations (F-01, F-02 … C-01 … A-01 …)."""
    by_warehouse = {}
    for spec in WAREHOUSES:
        warehouse = _sync(report, Warehouse, {"code": spec["code"]}, {"name": spec["name"]})
        zones = {}
        for zone, how_many in spec["locations"].items():
            zones[zone] = [
                _sync(
                    report,
                    Location,
                    {"warehouse": warehouse, "code": f"{ZONE_LOCATION_PREFIX[zone]}-{number:02d}"},
                    {"zone": zone},
                )
                for number in range(1, how_many + 1)
            ]
        by_warehouse[spec["code"]] = zones
    return by_warehouse


def _lot_code(base: str) -> str:
    words = [word for word in base.replace(",", " ").split() if word[0].isalpha()]
    words = [word for word in words if word.lower() not in {"frozen", "chilled", "fresh", "and", "in", "for", "with"}]
    letters = "".join(word[0] for word in words[:2]) if len(words) > 1 else words[0][:2]
    return letters.upper()


def _stock_story(position: int) -> str:
    for story, (every, offset) in (
        ("out", OUT_OF_STOCK_EVERY),
        ("expired", EXPIRED_EVERY),
        ("near", NEAR_EXPIRY_EVERY),
        ("low", LOW_EVERY),
    ):
        if position % every == offset:
            return story
    return "comfortable"


@dataclass(frozen=True)
class _PlannedLot:
    warehouse: str
    days_left: int
    quantity: int
    number: str = ""


def _plan_lots(row: ProductRow, story: str, warning_days: int, rng: random.Random) -> list[_PlannedLot]:
    """The lots one product is stocked with: (warehouse, days of shelf life left, quantity)."""
    fields = row.fields
    shelf = fields["shelf_life_days"]
    base = max(fields["min_order_quantity"], fields["order_multiple"])
    multiple = fields["order_multiple"]

    def plenty() -> int:
        quantity = base * rng.randint(12, 60) if base > 1 else rng.randint(30, 240)
        return max(multiple, quantity // multiple * multiple)

    def comfortable_days(low: float, high: float) -> int:
        # Outside the warning window, and produced at least a day ago.
        days = round(shelf * rng.uniform(low, high))
        return min(shelf - 1, max(days, warning_days + 1))

    if story == "out":
        return []
    lots = [_PlannedLot("sh1", comfortable_days(0.75, 0.97), plenty())]
    if story == "low":
        return [_PlannedLot("sh1", comfortable_days(0.6, 0.95), base * rng.randint(1, 2))]
    if story == "near":
        lots.append(_PlannedLot("sh1", rng.randint(1, max(1, warning_days - 1)), plenty() // 3 or base))
    elif story == "expired":
        lots.append(_PlannedLot("sh1", -rng.randint(2, 20), max(base, plenty() // 6)))
    elif rng.random() < 0.35:
        lots.append(_PlannedLot("sh1", comfortable_days(0.4, 0.7), plenty()))
    if rng.random() < 0.3:
        lots.append(_PlannedLot("gz1", comfortable_days(0.5, 0.95), plenty()))
    return lots


def _seed_stock(report, rows, products, categories, user, today) -> None:
    """Warehouses with locations, and lots booked through catalog.services.receive_stock."""
    locations = _seed_warehouses(report)
    stocked = set(Lot.objects.values_list("product_id", flat=True).distinct())
    before = _stock_counts()
    # One goods-received note per warehouse and category, as if each supplier delivered once.
    notes: dict[tuple[str, str], list[Receipt]] = {}
    next_location = {key: 0 for key in ("sh1", "gz1")}
    position = 0
    for row in rows:
        if not row.fields["active"]:
            continue
        position += 1
        product = products[row.sku]
        if product.pk in stocked:
            continue
        rng = random.Random(f"tradecounter-demo-stock-{row.sku}")
        story = _stock_story(position)
        lots = _plan_lots(row, story, categories[row.category_slug].expiry_warning_days, rng)
        shelf = row.fields["shelf_life_days"]
        numbers = set()
        for planned in lots:
            expiry = today + timedelta(days=planned.days_left)
            produced = expiry - timedelta(days=shelf)
            number = planned.number or _lot_number(row, produced, rng, numbers)
            numbers.add(number)
            zone_locations = locations[planned.warehouse][row.fields["temperature_zone"]]
            location = zone_locations[next_location[planned.warehouse] % len(zone_locations)]
            next_location[planned.warehouse] += 1
            notes.setdefault((planned.warehouse, row.category_slug), []).append(
                Receipt(
                    product=product,
                    lot_number=number,
                    expiry_date=expiry,
                    quantity=planned.quantity,
                    location=location,
                    production_date=produced,
                )
            )

    for number, ((warehouse_code, _category), receipts) in enumerate(notes.items(), start=1):
        receive_stock(receipts=receipts, user=user, reference=f"GRN-{warehouse_code.upper()}-{number:04d}")

    after = _stock_counts()
    for model, count in after.items():
        if count > before[model]:
            report.created[str(model._meta.verbose_name_plural)] += count - before[model]


def _lot_number(row: ProductRow, produced: date, rng: random.Random, taken: set[str]) -> str:
    if not row.fields["lot_tracked"]:
        prefix = f"GR{produced:%y%m%d}"  # untracked goods: the receipt batch
        number = prefix
        while number in taken:
            number = f"{prefix}-{rng.randint(1, 9)}"
        return number
    code = _lot_code(row.base)
    while True:
        number = f"{produced:%y%m}-{code}-{rng.randint(100, 999)}"
        if number not in taken and number != RECALLED_LOT:
            return number


def _stock_counts() -> dict:
    return {model: model.objects.count() for model in (Lot, StockLevel, StockMove)}
