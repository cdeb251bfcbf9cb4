"""The demo world's data, as plain lists of dicts: the distributor, its staff, regions and tiers,
twelve customer companies with their people, addresses and licences, and the home page's texts."""

from decimal import Decimal

from accounts import roles
from accounts.models import Address, Company, LicenceKind

DEMO_PASSWORD = "tradecounter-demo"
DISTRIBUTOR_NAME = "ColdChain Foods"
PORTAL_URL = "http://127.0.0.1:8000/portal/"
BACK_OFFICE_URL = "http://127.0.0.1:8000/backoffice/"

# ---------------------------------------------------------------------------------------------
# Regions and price tiers
# ---------------------------------------------------------------------------------------------

REGIONS = [
    {"code": "east", "name": "East China", "name_zh": "华东地区"},
    {"code": "south", "name": "South China", "name_zh": "华南地区"},
]

PRICE_TIERS = [
    {"code": "A", "name": "Tier A: key accounts", "name_zh": "A级：重点客户"},
    {"code": "B", "name": "Tier B: standard", "name_zh": "B级：标准客户"},
    {"code": "C", "name": "Tier C: small accounts", "name_zh": "C级：小型客户"},
]

# ---------------------------------------------------------------------------------------------
# The distributor's staff: one or more per back-office role (groups from accounts.roles)
# ---------------------------------------------------------------------------------------------

STAFF_DOMAIN = "coldchain-demo.example"

SUPERUSER = {"email": "admin@tradecounter.example", "first_name": "Demo", "last_name": "Admin"}

# fmt: off
STAFF = [
    {"key": "rep_east", "email": f"sales.east@{STAFF_DOMAIN}", "first_name": "Jun", "last_name": "Zhao",
     "group": roles.SALES_REP, "region": "east"},
    {"key": "rep_south", "email": f"sales.south@{STAFF_DOMAIN}", "first_name": "Mei", "last_name": "Huang",
     "group": roles.SALES_REP, "region": "south"},
    {"key": "director", "email": f"director@{STAFF_DOMAIN}", "first_name": "Hong", "last_name": "Liu",
     "group": roles.ORDER_APPROVER, "title": "sales director"},
    {"key": "finance", "email": f"finance@{STAFF_DOMAIN}", "first_name": "Qing", "last_name": "Sun",
     "group": roles.FINANCE},
    {"key": "warehouse", "email": f"warehouse@{STAFF_DOMAIN}", "first_name": "Gang", "last_name": "Wu",
     "group": roles.WAREHOUSE},
    {"key": "manager", "email": f"manager@{STAFF_DOMAIN}", "first_name": "Yan", "last_name": "Zhou",
     "group": roles.MANAGER},
    {"key": "editor", "email": f"editor@{STAFF_DOMAIN}", "first_name": "Xin", "last_name": "He",
     "group": roles.CONTENT_EDITOR},
]
# fmt: on

# ---------------------------------------------------------------------------------------------
# Customer companies, six per region
#
# Each company's users log in as <role>@<domain> (admin, buyer, approver, finance). Tax numbers
# are 18-character unified social credit codes with valid check characters. Licences give their
# expiry in days from the day of seeding, so the valid one stays valid and the expired one
# stays expired however old the demo database is.
# ---------------------------------------------------------------------------------------------

NET = Company.TermsKind.NET
EOM = Company.TermsKind.END_OF_MONTH
BILLING = Address.Kind.BILLING
SHIPPING = Address.Kind.SHIPPING
VET_LICENCE = LicenceKind.VETERINARY_DRUG

# fmt: off
COMPANIES = [
    # East China --------------------------------------------------------------------------
    {
        "key": "bayside",
        "legal_name": "上海海湾餐饮管理有限公司",
        "display_name": "Bayside Restaurants",
        "tax_number": "91310101MAAY4CL12C",
        "region": "east",
        "price_tier": "A",
        "credit_limit": Decimal("300000.00"),
        "payment_terms_kind": EOM,
        "payment_terms_days": 30,
        "grace_days": 7,
        "min_shelf_life_percent": 50,
        "notes": "Seafood restaurant chain, four sites; same owners (Harbour Hospitality) as Jade Garden. "
        "Deliveries 06:00–09:00 at the back entrance.",
        "domain": "bayside.example",
        "addresses": [
            {"kind": BILLING, "label": "Head office", "recipient": "Finance department",
             "line1": "Room 1203, 88 Zhongshan East 1st Road", "line2": "Huangpu District",
             "city": "Shanghai", "postcode": "200002", "phone": "+86 21 6321 8800", "is_default": True},
            {"kind": SHIPPING, "label": "Bund kitchen", "recipient": "Head chef",
             "line1": "Back entrance, 18 Zhongshan East 2nd Road", "line2": "Huangpu District",
             "city": "Shanghai", "postcode": "200002", "phone": "+86 21 6321 8811", "is_default": True},
            {"kind": SHIPPING, "label": "Jing'an restaurant", "recipient": "Kitchen manager",
             "line1": "1601 Nanjing West Road", "line2": "Jing'an District",
             "city": "Shanghai", "postcode": "200040", "phone": "+86 21 6248 3300"},
        ],
        "contacts": [
            {"name": "Jianguo Xu", "title": "General manager", "email": "jianguo.xu@bayside.example",
             "phone": "+86 139 1602 3381"},
            {"name": "Kang Liu", "title": "Executive chef", "phone": "+86 138 1733 9020"},
        ],
        "people": [
            {"role": "admin", "first_name": "Jianguo", "last_name": "Xu"},
            {"role": "buyer", "first_name": "Fang", "last_name": "Wang", "spending_limit": Decimal("20000.00")},
            {"role": "approver", "first_name": "Min", "last_name": "Qian"},
            {"role": "finance", "first_name": "Li", "last_name": "Jiang"},
        ],
    },
    {
        "key": "jadegarden",
        "legal_name": "上海玉园餐饮有限公司",
        "display_name": "Jade Garden Dim Sum",
        "tax_number": "91310106MA2TH3BJ3X",
        "region": "east",
        "price_tier": "B",
        "credit_limit": Decimal("0.00"),
        "payment_terms_kind": NET,
        "payment_terms_days": 30,
        "grace_days": 0,
        "min_shelf_life_percent": 50,
        "notes": "New customer this quarter: prepays by card until finance reviews a credit line.",
        "domain": "jadegarden.example",
        "addresses": [
            {"kind": BILLING, "label": "Office", "recipient": "Accounts",
             "line1": "Room 502, 233 Changde Road", "line2": "Jing'an District",
             "city": "Shanghai", "postcode": "200040", "phone": "+86 21 6255 1020", "is_default": True},
            {"kind": SHIPPING, "label": "Changde Road restaurant", "recipient": "Dim sum chef",
             "line1": "Ground floor, 233 Changde Road", "line2": "Jing'an District",
             "city": "Shanghai", "postcode": "200040", "phone": "+86 21 6255 1021", "is_default": True},
        ],
        "contacts": [
            {"name": "Hui Shen", "title": "Owner", "email": "hui.shen@jadegarden.example",
             "phone": "+86 137 6188 4410"},
        ],
        "people": [
            {"role": "admin", "first_name": "Hui", "last_name": "Shen"},
            {"role": "buyer", "first_name": "Ying", "last_name": "Lu", "spending_limit": Decimal("8000.00")},
            {"role": "approver", "first_name": "Bo", "last_name": "Yao"},
            {"role": "finance", "first_name": "Juan", "last_name": "Feng"},
        ],
    },
    {
        "key": "westlake",
        "legal_name": "West Lake International Hotel (Hangzhou) Co., Ltd.",
        "display_name": "西湖国际酒店",
        "tax_number": "91330106MA1XG6125J",
        "region": "east",
        "price_tier": "A",
        "credit_limit": Decimal("500000.00"),
        "payment_terms_kind": EOM,
        "payment_terms_days": 30,
        "grace_days": 10,
        # 月结: one invoice a month for everything shipped in it.
        "invoicing": "monthly",
        "min_shelf_life_percent": 60,
        "notes": "Five-star hotel, three restaurants and banqueting. Goods in at the receiving dock only.",
        "domain": "westlakehotel.example",
        "addresses": [
            {"kind": BILLING, "label": "Hotel", "recipient": "Purchasing office",
             "line1": "28 Shuguang Road", "line2": "Xihu District",
             "city": "Hangzhou", "postcode": "310007", "phone": "+86 571 8799 8888", "is_default": True},
            {"kind": SHIPPING, "label": "Receiving dock", "recipient": "Receiving clerk",
             "line1": "Goods entrance, 28 Shuguang Road", "line2": "Xihu District",
             "city": "Hangzhou", "postcode": "310007", "phone": "+86 571 8799 8120", "is_default": True},
        ],
        "contacts": [
            {"name": "Hao Ye", "title": "Purchasing manager", "email": "hao.ye@westlakehotel.example",
             "phone": "+86 136 0571 2277"},
            {"name": "Ming Tang", "title": "Executive chef", "phone": "+86 135 8811 6402"},
        ],
        "people": [
            {"role": "admin", "first_name": "Hao", "last_name": "Ye"},
            {"role": "buyer", "first_name": "Xiaoyu", "last_name": "Fang", "spending_limit": Decimal("30000.00")},
            {"role": "approver", "first_name": "Ming", "last_name": "Tang"},
            {"role": "finance", "first_name": "Lan", "last_name": "Cao"},
        ],
    },
    {
        "key": "freshmart",
        "legal_name": "苏州鲜丰超市有限公司",
        "display_name": "FreshMart Supermarkets",
        "tax_number": "91320505MADD272H4J",
        "region": "east",
        "price_tier": "A",
        "credit_limit": Decimal("450000.00"),
        "payment_terms_kind": EOM,
        "payment_terms_days": 30,
        "grace_days": 7,
        "min_shelf_life_percent": 70,
        "notes": "Supermarket chain, 14 stores. Retail needs at least 70% shelf life left on delivery; "
        "everything goes to the distribution centre.",
        "domain": "freshmart.example",
        "addresses": [
            {"kind": BILLING, "label": "Head office", "recipient": "Accounts payable",
             "line1": "99 Shishan Road", "line2": "Huqiu District",
             "city": "Suzhou", "postcode": "215011", "phone": "+86 512 6808 1200", "is_default": True},
            {"kind": SHIPPING, "label": "Distribution centre", "recipient": "Cold store, dock 4",
             "line1": "Dock 4, 36 Zhujiang Road", "line2": "Huqiu District",
             "city": "Suzhou", "postcode": "215011", "phone": "+86 512 6808 1290", "is_default": True},
        ],
        "contacts": [
            {"name": "Zhiqiang Gu", "title": "Category manager, frozen", "email": "zhiqiang.gu@freshmart.example",
             "phone": "+86 139 1356 0088"},
        ],
        "people": [
            {"role": "admin", "first_name": "Zhiqiang", "last_name": "Gu"},
            {"role": "buyer", "first_name": "Ting", "last_name": "Pan", "spending_limit": Decimal("50000.00")},
            {"role": "approver", "first_name": "Rui", "last_name": "Jin"},
            {"role": "finance", "first_name": "Xia", "last_name": "Du"},
        ],
    },
    {
        "key": "mingde",
        "legal_name": "南京明德学校后勤服务有限公司",
        "display_name": "Mingde School Canteens",
        "tax_number": "91320102MAD1TJ3Y9F",
        "region": "east",
        "price_tier": "C",
        "credit_limit": Decimal("80000.00"),
        "payment_terms_kind": NET,
        "payment_terms_days": 30,
        "grace_days": 0,
        "min_shelf_life_percent": 60,
        "notes": "Runs three school canteens. No deliveries in school holidays; a food-safety "
        "certificate must travel with every lot.",
        "domain": "mingde-school.example",
        "addresses": [
            {"kind": BILLING, "label": "Service company office", "recipient": "Finance office",
             "line1": "66 Beijing East Road", "line2": "Xuanwu District",
             "city": "Nanjing", "postcode": "210008", "phone": "+86 25 8330 2100", "is_default": True},
            {"kind": SHIPPING, "label": "Main canteen", "recipient": "Canteen manager",
             "line1": "Canteen building, 66 Beijing East Road", "line2": "Xuanwu District",
             "city": "Nanjing", "postcode": "210008", "phone": "+86 25 8330 2150", "is_default": True},
        ],
        "contacts": [
            {"name": "Guohua Ma", "title": "Head of catering services", "email": "guohua.ma@mingde-school.example",
             "phone": "+86 138 5199 7301"},
        ],
        "people": [
            {"role": "admin", "first_name": "Guohua", "last_name": "Ma"},
            {"role": "buyer", "first_name": "Hong", "last_name": "Yu", "spending_limit": Decimal("10000.00")},
            {"role": "approver", "first_name": "Jie", "last_name": "Dong"},
            {"role": "finance", "first_name": "Ping", "last_name": "Xiao"},
        ],
    },
    {
        "key": "greenfields",
        "legal_name": "嘉兴绿野生态养殖有限公司",
        "display_name": "Green Fields Farm",
        "tax_number": "91330402MA7LLJY1XR",
        "region": "east",
        "price_tier": "C",
        "credit_limit": Decimal("60000.00"),
        "payment_terms_kind": NET,
        "payment_terms_days": 30,
        "grace_days": 5,
        "min_shelf_life_percent": 0,
        "notes": "Pig and poultry farm. Buys prescription veterinary drugs (licence on file) and food "
        "for the staff canteen.",
        "domain": "greenfields-farm.example",
        "addresses": [
            {"kind": BILLING, "label": "Farm office", "recipient": "Farm office",
             "line1": "Qixing Village, Fengqiao Town", "line2": "Nanhu District",
             "city": "Jiaxing", "postcode": "314000", "phone": "+86 573 8236 5500", "is_default": True},
            {"kind": SHIPPING, "label": "Farm gate", "recipient": "Veterinarian on duty",
             "line1": "Gate 2, Qixing Village, Fengqiao Town", "line2": "Nanhu District",
             "city": "Jiaxing", "postcode": "314000", "phone": "+86 573 8236 5511", "is_default": True},
        ],
        "contacts": [
            {"name": "Dawei Shi", "title": "Farm manager", "email": "dawei.shi@greenfields-farm.example",
             "phone": "+86 139 5733 1806"},
            {"name": "Yun Peng", "title": "Veterinarian", "phone": "+86 137 5730 4420"},
        ],
        "licences": [
            {"kind": VET_LICENCE, "number": "VDL-330402-2024-0187", "expires_in_days": 400},
        ],
        "people": [
            {"role": "admin", "first_name": "Dawei", "last_name": "Shi"},
            {"role": "buyer", "first_name": "Qiang", "last_name": "Fan", "spending_limit": Decimal("15000.00")},
            {"role": "approver", "first_name": "Yun", "last_name": "Peng"},
            {"role": "finance", "first_name": "Na", "last_name": "Cheng"},
        ],
    },
    # South China -------------------------------------------------------------------------
    {
        "key": "canton",
        "legal_name": "广州粤膳团餐服务有限公司",
        "display_name": "Canton Catering",
        "tax_number": "91440106MAJJC171XJ",
        "region": "south",
        "price_tier": "B",
        "credit_limit": Decimal("200000.00"),
        "payment_terms_kind": EOM,
        "payment_terms_days": 30,
        "grace_days": 5,
        "min_shelf_life_percent": 30,
        "notes": "Contract caterer for offices and factories; the central kitchen cooks about 8,000 meals a day.",
        "domain": "canton-catering.example",
        "addresses": [
            {"kind": BILLING, "label": "Head office", "recipient": "Finance department",
             "line1": "Unit 701, 368 Tianhe North Road", "line2": "Tianhe District",
             "city": "Guangzhou", "postcode": "510620", "phone": "+86 20 3888 6100", "is_default": True},
            {"kind": SHIPPING, "label": "Central kitchen", "recipient": "Stores supervisor",
             "line1": "15 Kehua Street", "line2": "Tianhe District",
             "city": "Guangzhou", "postcode": "510640", "phone": "+86 20 3888 6188", "is_default": True},
        ],
        "contacts": [
            {"name": "Weiming Liang", "title": "Operations director", "email": "weiming.liang@canton-catering.example",
             "phone": "+86 138 2600 5173"},
        ],
        "people": [
            {"role": "admin", "first_name": "Weiming", "last_name": "Liang"},
            {"role": "buyer", "first_name": "Jiahui", "last_name": "Ou", "spending_limit": Decimal("25000.00")},
            {"role": "approver", "first_name": "Zhiwei", "last_name": "Luo"},
            {"role": "finance", "first_name": "Yanling", "last_name": "Mai"},
        ],
    },
    {
        "key": "goldenwheat",
        "legal_name": "Golden Wheat Bakery (Shenzhen) Co., Ltd.",
        "display_name": "金麦烘焙",
        "tax_number": "91440305MAHU49D47C",
        "region": "south",
        "price_tier": "B",
        "credit_limit": Decimal("0.00"),
        "payment_terms_kind": NET,
        "payment_terms_days": 30,
        "grace_days": 0,
        "min_shelf_life_percent": 30,
        "notes": "Bakery with six shops; frozen butter, dough and cream. Prepays by card.",
        "domain": "goldenwheat.example",
        "addresses": [
            {"kind": BILLING, "label": "Bakery", "recipient": "Owner",
             "line1": "Shop 12, 3009 Houhai Avenue", "line2": "Nanshan District",
             "city": "Shenzhen", "postcode": "518054", "phone": "+86 755 2660 3390", "is_default": True},
            {"kind": SHIPPING, "label": "Production bakery", "recipient": "Head baker",
             "line1": "Shop 12, 3009 Houhai Avenue", "line2": "Nanshan District",
             "city": "Shenzhen", "postcode": "518054", "phone": "+86 755 2660 3391", "is_default": True},
        ],
        "contacts": [
            {"name": "Kaiwen Deng", "title": "Owner", "email": "kaiwen.deng@goldenwheat.example",
             "phone": "+86 135 1052 6638"},
        ],
        "people": [
            {"role": "admin", "first_name": "Kaiwen", "last_name": "Deng"},
            {"role": "buyer", "first_name": "Xiaoling", "last_name": "Su", "spending_limit": Decimal("5000.00")},
            {"role": "approver", "first_name": "Jun", "last_name": "Cai"},
            {"role": "finance", "first_name": "Mei", "last_name": "Lai"},
        ],
    },
    {
        "key": "szbayhotel",
        "legal_name": "深圳湾畔酒店管理有限公司",
        "display_name": "Shenzhen Bay Hotel",
        "tax_number": "91440305MAH3J9HT4Y",
        "region": "south",
        "price_tier": "A",
        "credit_limit": Decimal("350000.00"),
        "payment_terms_kind": EOM,
        "payment_terms_days": 30,
        "grace_days": 10,
        "min_shelf_life_percent": 50,
        "notes": "Business hotel with a Cantonese restaurant and an all-day buffet.",
        "domain": "szbayhotel.example",
        "addresses": [
            {"kind": BILLING, "label": "Hotel", "recipient": "Finance office",
             "line1": "8 Binhai Avenue", "line2": "Nanshan District",
             "city": "Shenzhen", "postcode": "518052", "phone": "+86 755 8618 8000", "is_default": True},
            {"kind": SHIPPING, "label": "Loading bay", "recipient": "Receiving clerk",
             "line1": "Loading bay B1, 8 Binhai Avenue", "line2": "Nanshan District",
             "city": "Shenzhen", "postcode": "518052", "phone": "+86 755 8618 8126", "is_default": True},
        ],
        "contacts": [
            {"name": "Zihao Zheng", "title": "Purchasing manager", "email": "zihao.zheng@szbayhotel.example",
             "phone": "+86 136 3255 0917"},
        ],
        "people": [
            {"role": "admin", "first_name": "Zihao", "last_name": "Zheng"},
            {"role": "buyer", "first_name": "Shan", "last_name": "Kuang", "spending_limit": Decimal("40000.00")},
            {"role": "approver", "first_name": "Hua", "last_name": "Lin"},
            {"role": "finance", "first_name": "Qian", "last_name": "Wen"},
        ],
    },
    {
        "key": "xiguan",
        "legal_name": "广州老西关茶楼餐饮有限公司",
        "display_name": "Old Xiguan Tea House",
        "tax_number": "91440103MAM53JJL2U",
        "region": "south",
        "price_tier": "A",
        "credit_limit": Decimal("250000.00"),
        "payment_terms_kind": EOM,
        "payment_terms_days": 30,
        "grace_days": 7,
        "min_shelf_life_percent": 50,
        "notes": "Dim sum tea houses in Liwan; morning tea from 06:30, so deliveries before 06:00.",
        "domain": "xiguan-teahouse.example",
        "addresses": [
            {"kind": BILLING, "label": "Head office", "recipient": "Accounts",
             "line1": "93 Enning Road", "line2": "Liwan District",
             "city": "Guangzhou", "postcode": "510140", "phone": "+86 20 8181 9300", "is_default": True},
            {"kind": SHIPPING, "label": "Enning Road tea house", "recipient": "Kitchen",
             "line1": "Side entrance, 93 Enning Road", "line2": "Liwan District",
             "city": "Guangzhou", "postcode": "510140", "phone": "+86 20 8181 9311", "is_default": True},
            {"kind": SHIPPING, "label": "Shangxiajiu branch", "recipient": "Kitchen",
             "line1": "Basement, 188 Shangxiajiu Road", "line2": "Liwan District",
             "city": "Guangzhou", "postcode": "510140", "phone": "+86 20 8181 9322"},
        ],
        "contacts": [
            {"name": "Bingwen Tan", "title": "Owner", "email": "bingwen.tan@xiguan-teahouse.example",
             "phone": "+86 139 2229 4051"},
        ],
        "people": [
            {"role": "admin", "first_name": "Bingwen", "last_name": "Tan"},
            {"role": "buyer", "first_name": "Yuting", "last_name": "Xie", "spending_limit": Decimal("20000.00")},
            {"role": "approver", "first_name": "Guoqiang", "last_name": "Mo"},
            {"role": "finance", "first_name": "Lihua", "last_name": "Ruan"},
        ],
    },
    {
        "key": "petcare",
        "legal_name": "佛山宠康动物医院有限公司",
        "display_name": "PetCare Animal Hospital",
        "tax_number": "91440604MA6B3HN23N",
        "region": "south",
        "price_tier": "C",
        "credit_limit": Decimal("0.00"),
        "payment_terms_kind": NET,
        "payment_terms_days": 30,
        "grace_days": 0,
        "min_shelf_life_percent": 0,
        "notes": "Veterinary clinic; prepays. Its veterinary drug licence has expired: prescription "
        "products stay blocked until a renewed licence is on file.",
        "domain": "petcare-vet.example",
        "addresses": [
            {"kind": BILLING, "label": "Clinic", "recipient": "Reception",
             "line1": "21 Jihua 5th Road", "line2": "Chancheng District",
             "city": "Foshan", "postcode": "528000", "phone": "+86 757 8303 6600", "is_default": True},
            {"kind": SHIPPING, "label": "Clinic", "recipient": "Pharmacy",
             "line1": "21 Jihua 5th Road", "line2": "Chancheng District",
             "city": "Foshan", "postcode": "528000", "phone": "+86 757 8303 6601", "is_default": True},
        ],
        "contacts": [
            {"name": "Haoran Guo", "title": "Head veterinarian", "email": "haoran.guo@petcare-vet.example",
             "phone": "+86 138 2758 1139"},
        ],
        "licences": [
            {"kind": VET_LICENCE, "number": "VDL-440604-2021-0311", "expires_in_days": -40},
        ],
        "people": [
            {"role": "admin", "first_name": "Haoran", "last_name": "Guo"},
            {"role": "buyer", "first_name": "Lu", "last_name": "Kong", "spending_limit": Decimal("6000.00")},
            {"role": "approver", "first_name": "Xin", "last_name": "Zeng"},
            {"role": "finance", "first_name": "Jing", "last_name": "Hu"},
        ],
    },
    {
        "key": "spicyroad",
        "legal_name": "东莞辣道火锅餐饮有限公司",
        "display_name": "Spicy Road Hotpot",
        "tax_number": "91441900MAJ1K6FM3H",
        "region": "south",
        "price_tier": "C",
        "credit_limit": Decimal("50000.00"),
        "payment_terms_kind": NET,
        "payment_terms_days": 30,
        "grace_days": 0,
        "min_shelf_life_percent": 30,
        "status": Company.Status.SUSPENDED,
        "notes": "Suspended: two invoices more than 90 days overdue. Finance reviews the account once they are paid.",
        "domain": "spicyroad.example",
        "addresses": [
            {"kind": BILLING, "label": "Restaurant", "recipient": "Manager",
             "line1": "Shop 3-05, 1 Dongcheng Middle Road", "line2": "Dongcheng Subdistrict",
             "city": "Dongguan", "postcode": "523000", "phone": "+86 769 2238 7700", "is_default": True},
            {"kind": SHIPPING, "label": "Restaurant", "recipient": "Kitchen",
             "line1": "Shop 3-05, 1 Dongcheng Middle Road", "line2": "Dongcheng Subdistrict",
             "city": "Dongguan", "postcode": "523000", "phone": "+86 769 2238 7701", "is_default": True},
        ],
        "contacts": [
            {"name": "Feng Qiu", "title": "Owner", "email": "feng.qiu@spicyroad.example",
             "phone": "+86 137 2690 3384"},
        ],
        "people": [
            {"role": "admin", "first_name": "Feng", "last_name": "Qiu"},
            {"role": "buyer", "first_name": "Cong", "last_name": "Zhong", "spending_limit": Decimal("10000.00")},
            {"role": "approver", "first_name": "Kai", "last_name": "Jiang"},
            {"role": "finance", "first_name": "Yan", "last_name": "Wei"},
        ],
    },
]
# fmt: on

# People who belong to more than one company and switch between them.
SHARED_PEOPLE = [
    {
        "email": "tao.lin@harbour-hospitality.example",
        "first_name": "Tao",
        "last_name": "Lin",
        "memberships": [
            {"company": "bayside", "role": "buyer", "spending_limit": Decimal("15000.00")},
            {"company": "jadegarden", "role": "buyer", "spending_limit": Decimal("8000.00")},
        ],
    },
]

_STAFF_ROWS = {row["key"]: row for row in STAFF}
_COMPANY_ROWS = {row["key"]: row for row in COMPANIES}

# The login table shows every role of these companies; the rest follow the same pattern.
FEATURED_COMPANIES = ["bayside", "xiguan"]

# ---------------------------------------------------------------------------------------------
# Content: the Wagtail home page
# ---------------------------------------------------------------------------------------------

HOME_INTRO = (
    f"<p>Welcome to the {DISTRIBUTOR_NAME} ordering portal. Order frozen and chilled food around the "
    "clock from your own catalog, at your own prices and on your own credit terms, and follow every "
    "delivery from our cold store to your kitchen.</p>"
)
HOME_TITLE_ZH = "冷链食品订货平台"
HOME_INTRO_ZH = (
    "<p>欢迎使用冷链食品订货平台。您可以全天候在专属目录中订购冷冻和冷藏食品，享受专属价格和信用账期，"
    "并随时跟踪每一批货物从我们的冷库送到您的厨房。</p>"
)

# show_from / show_until are days from the day of seeding; None means no limit.
ANNOUNCEMENTS = [
    {
        "kind": "cutoff",
        "title": "Order by 15:00 for next-day delivery",
        "title_zh": "15:00前下单，次日送达",
        "body_zh": "<p>周一至周六<b>15:00</b>前提交的订单，华东和华南地区次日送达；之后提交的订单顺延一天发货，"
        "周日不配送。</p><ul><li>冷冻商品全程−18 °C运输，冷藏商品0–4 °C运输。</li>"
        "<li>请安排专人收货，并在到货时检查温度。</li></ul>",
        "body": "<p>Orders placed by <b>15:00</b>, Monday to Saturday, are delivered the next day in "
        "East and South China. Orders placed later leave one day later; there are no deliveries "
        "on Sundays.</p><ul><li>Frozen goods travel at −18 °C, chilled goods at 0–4 °C.</li>"
        "<li>Please have someone ready to receive the goods and check temperatures on arrival.</li></ul>",
        "show_from": None,
        "show_until": None,
    },
    {
        "kind": "promotion",
        "title": "Hot pot season: 8% off frozen beef and lamb rolls",
        "title_zh": "火锅季：冷冻肥牛卷、羊肉卷九二折",
        "body_zh": "<p>活动期间，单笔订购10箱及以上冷冻肥牛卷和羊肉卷，在您的常规价格基础上<b>优惠8%</b>。"
        "请联系您的销售代表为您的账户开通。</p>",
        "body": "<p>Frozen sliced beef and lamb rolls are <b>8% off</b> your usual price on orders of "
        "10 cases or more while the promotion runs. Ask your sales rep to add it to your account.</p>",
        "show_from": 0,
        "show_until": 45,
    },
    {
        "kind": "recall",
        "title": "Recall: frozen shrimp dumplings 1 kg, lot 2405-SD-118",
        "title_zh": "召回通知：冷冻虾饺1公斤装，批号2405-SD-118",
        "body_zh": "<p>生产商已对<b>冷冻虾饺1公斤装（批号2405-SD-118）</b>进行预防性召回。请停止使用该批次，"
        "保持冷冻并单独存放：我们的司机将在下次送货时收回，并为您开具贷项通知单。其他批次不受影响。</p>"
        "<p>如有疑问，请提交服务工单或致电您的销售代表。</p>",
        "body": "<p>The producer has recalled <b>frozen shrimp dumplings 1 kg, lot 2405-SD-118</b> as "
        "a precaution. Please stop using this lot, keep it frozen and set it aside: our driver "
        "collects it with your next delivery and you receive a credit note. Other lots are not "
        "affected.</p><p>Questions? Open a service ticket or call your sales rep.</p>",
        "show_from": 0,
        "show_until": 30,
    },
]

# Help pages under the home page, in both languages (created once; editors' changes stay).
HELP_PAGES = [
    {
        "slug": "delivery",
        "title": "Delivery and returns",
        "title_zh": "配送与退货",
        "body": "<p>We deliver frozen and chilled goods in our own refrigerated trucks, Monday to Saturday. "
        "Check the temperature and the quantities when the goods arrive and note any difference on the "
        "delivery note; your sales rep arranges a return or a credit note.</p>",
        "body_zh": "<p>我们使用自有冷藏车配送冷冻和冷藏商品，周一至周六送货。货物到达时请检查温度和数量，"
        "如有差异请在送货单上注明，您的销售代表会为您安排退货或开具贷项通知单。</p>",
    },
]
