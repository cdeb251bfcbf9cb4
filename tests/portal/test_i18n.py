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
