"""Every UI string is translated into Simplified Chinese, compiled, and pages show no English."""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

CATALOG = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.mark.parametrize("domain", ["django"])
def test_the_chinese_catalog_is_complete(domain):
    po = polib.pofile(str(CATALOG / f"{domain}.po"))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [], f"untranslated: {untranslated[:20]}"
    assert fuzzy == [], f"fuzzy: {fuzzy[:20]}"


@pytest.mark.parametrize("domain", ["django"])
def test_the_compiled_catalog_matches_the_source(domain):
    po = polib.pofile(str(CATALOG / f"{domain}.po"))
    mo = polib.mofile(str(CATALOG / f"{domain}.mo"))
    compiled = {(entry.msgctxt, entry.msgid): (entry.msgstr, tuple(entry.msgstr_plural.items())) for entry in mo}
    stale = [
        entry.msgid
        for entry in po.translated_entries()
        if compiled.get((entry.msgctxt, entry.msgid)) != (entry.msgstr, tuple(entry.msgstr_plural.items()))
    ]
    assert stale == [], f"run `make messages`; not compiled: {stale[:20]}"


class _VisibleText(HTMLParser):
    """Text a person reads: element text plus labels in attributes, not scripts or styles."""

    SKIP = {"script", "style"}
    ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skipping += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and dict(attrs).get("type") in {"submit", "button"}:
                self.parts.append(value or "")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.parts.append(data.strip())


# Words that stay as they are in a Chinese page: the product's name, currency codes, data.
ALLOWED = {"Tradecounter", "English", "CNY", "HKD", "USD", "TOTP"}
WORD = re.compile(r"[A-Za-z]{3,}")


def english_words(html: str, data: set[str]) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    words = []
    for part in parser.parts:
        if any(token in part for token in data):
            continue
        words += [word for word in WORD.findall(part) if word not in ALLOWED]
    return words


@pytest.mark.parametrize(
    "url_name",
    [
        "portal:home",
        "accounts:members",
        "accounts:member_invite",
        "account_email",
        "account_change_password",
        "mfa_index",
    ],
)
def test_pages_in_chinese_show_no_english(url_name, client, company_admin, company):
    client.force_login(company_admin)
    client.post(reverse("set_language"), {"language": "zh-hans"})
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    data = {company.display_name, company.legal_name, company_admin.email, company_admin.get_full_name()}
    assert english_words(html, data) == []


def test_sign_in_page_in_chinese_shows_no_english(client, db):
    client.post(reverse("set_language"), {"language": "zh-hans"})
    html = client.get(reverse("account_login")).content.decode()
    assert english_words(html, set()) == []


def test_the_language_switch_names_each_language_in_its_own_language(client, db):
    """A Chinese page offers "English", not 英语, and an English page offers 简体中文."""
    client.post(reverse("set_language"), {"language": "zh-hans"})
    chinese = client.get(reverse("account_login")).content.decode()
    client.post(reverse("set_language"), {"language": "en"})
    english = client.get(reverse("account_login")).content.decode()
    for html in (chinese, english):
        assert 'lang="en"' in html and ">English</button>" in html
        assert ">简体中文</button>" in html
    assert "英语" not in chinese


@pytest.fixture
def bilingual_data(company, make_product):
    """A product, a tier, a contract list and an announcement, each in English and Chinese."""
    from decimal import Decimal

    from catalog.models import PriceList
    from portal.pages.models import HomePage
    from tests.factories import PriceListEntryFactory, PriceListFactory, PriceTierFactory, category

    frozen = category("Frozen")
    frozen.name_zh = "冷冻食品"
    frozen.save()
    company.price_tier = PriceTierFactory(code="A", name="Tier A: key accounts", name_zh="A级：重点客户")
    company.save()
    product = make_product(
        sku="FZ-1001",
        name_en="Chicken wings",
        name_zh="鸡翅中",
        description="Individually quick frozen chicken wings.",
        description_zh="单冻鸡翅中。",
        unit_description="ten bags of one kilo",
        unit_description_zh="10袋 × 1公斤",
    )
    contract = PriceListFactory(
        kind=PriceList.Kind.CONTRACT, company=company, name="Master agreement", name_zh="总协议"
    )
    PriceListEntryFactory(price_list=contract, product=product, unit_price=Decimal("45.00"))
    home = HomePage.objects.get()
    home.announcements = [
        {
            "type": "announcement",
            "value": {
                "kind": "notice",
                "title": "Closed on Sunday",
                "body": "<p>Nothing leaves the cold store on Sunday.</p>",
                "title_zh": "周日休息",
                "body_zh": "<p>周日冷库不发货。</p>",
                "show_from": None,
                "show_until": None,
            },
        }
    ]
    home.save_revision().publish()
    return product


@pytest.mark.parametrize("page", ["portal:home", "catalog:product_list", "catalog:product_detail", "ordering:cart"])
def test_pages_in_chinese_show_no_english_data(page, client, company_admin, company, bilingual_data):
    from ordering import services

    services.add_to_cart(
        cart=services.cart_for(user=company_admin, company=company), product=bilingual_data, quantity=1
    )
    client.force_login(company_admin)
    client.post(reverse("set_language"), {"language": "zh-hans"})
    url = reverse(page, args=[bilingual_data.sku]) if page == "catalog:product_detail" else reverse(page)
    response = client.get(url)
    assert response.status_code == 200
    data = {company.display_name, company.legal_name, company_admin.email, company_admin.get_full_name()}
    # A product's other name is shown beside its Chinese one on purpose (cards, product page, cart);
    # its description, pack text, list name, tier and announcement are not allowed here.
    data.add(bilingual_data.name_en)
    assert english_words(response.content.decode(), data) == []
