"""Amounts and dates read one way in each language, date fields get a calendar in the page's
language, and the back office's avatar is there."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation
from wagtail.users.models import UserProfile

from accounts.forms import DatePickerInput
from accounts.models import Membership
from ordering import services
from tests.factories import with_second_factor

LANGUAGES = ["en", "zh-hans"]
SHANGHAI = ZoneInfo("Asia/Shanghai")
# An amount printed outside kit.money: "CNY 20000.00", or four digits or more without grouping
# before the cents ("20000.00"), or a currency code before a figure.
UNFORMATTED_AMOUNT = re.compile(r"(?:CNY|HKD|USD)\s*\d|(?<![\d,.])\d{4,}\.\d\d(?!\d)")
# What Django printed before portal/formats: 12/07/2026 in lists, "Dec. 7, 2026" on details.
OTHER_DATE_FORMATS = re.compile(r"\b\d\d/\d\d/\d{4}\b|\b[A-Z][a-z]{2}\. \d{1,2}, \d{4}\b")


def _in(client: Client, language: str) -> Client:
    client.post(reverse("set_language"), {"language": language})
    return client


# Dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [("en", "7 Dec 2026", "7 Dec 2026 14:05"), ("zh-hans", "2026年12月7日", "2026年12月7日 14:05")],
)
def test_one_date_format_per_language_for_short_and_long_dates(language, day, moment):
    template = Template(
        '{{ d|date:"DATE_FORMAT" }}|{{ d|date:"SHORT_DATE_FORMAT" }}|{{ d }}|'
        '{{ t|date:"DATETIME_FORMAT" }}|{{ t|date:"SHORT_DATETIME_FORMAT" }}'
    )
    context = Context({"d": date(2026, 12, 7), "t": datetime(2026, 12, 7, 14, 5, tzinfo=SHANGHAI)})
    with translation.override(language):
        assert template.render(context) == f"{day}|{day}|{day}|{moment}|{moment}"


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("en", ["2026-12-07", "7 Dec 2026", "7 December 2026", "Dec 7, 2026", "2026/12/07"]),
        ("zh-hans", ["2026-12-07", "2026/12/07", "2026年12月7日", "2026年12月07日"]),
    ],
)
def test_date_fields_read_iso_and_what_each_language_types(language, typed):
    with translation.override(language):
        assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%Y-%m-%d"
        field = forms.DateField()
        for text in typed:
            assert field.clean(text) == date(2026, 12, 7), text


def test_the_back_office_date_fields_use_a_format_every_language_reads():
    for language in LANGUAGES:
        with translation.override(language):
            assert settings.WAGTAIL_DATE_FORMAT in formats.get_format("DATE_INPUT_FORMATS")
            assert settings.WAGTAIL_DATETIME_FORMAT in formats.get_format("DATETIME_INPUT_FORMATS")


@pytest.mark.parametrize(("language", "shown"), [("en", "7 Dec 2026"), ("zh-hans", "2026年12月7日")])
def test_order_list_and_detail_show_the_same_date(client, buyer, place_order, time_machine, language, shown):
    time_machine.move_to(datetime(2026, 12, 7, 14, 5, tzinfo=SHANGHAI), tick=False)
    order = place_order(buyer=buyer)
    client.force_login(buyer)
    _in(client, language)

    for url in (reverse("ordering:order_list"), reverse("ordering:order_detail", args=[order.number])):
        html = client.get(url).content.decode()
        assert shown in html, url
        assert not OTHER_DATE_FORMATS.search(html), OTHER_DATE_FORMATS.search(html)


# Date pickers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_date_fields_carry_the_picker_hook_and_scripts_in_both_languages(
    client, buyer, company, make_product, ship_to, language
):
    services.add_to_cart(
        cart=services.cart_for(user=buyer, company=company), product=make_product(sku="FZ-1"), quantity=1
    )
    client.force_login(buyer)
    _in(client, language)

    checkout = client.get(reverse("ordering:checkout")).content.decode()
    orders = client.get(reverse("ordering:order_list"), {"placed_from": "2026-12-01"}).content.decode()

    assert f'<html lang="{language}">' in checkout
    assert re.search(r'<input type="date" name="requested_delivery_date"[^>]*data-datepicker', checkout)
    assert re.search(r'<input type="date" name="placed_from" value="2026-12-01"[^>]*data-datepicker', orders)
    assert re.search(r'<input type="date" name="placed_to"[^>]*data-datepicker', orders)
    for html in (checkout, orders):
        flatpickr = html.index("vendor/flatpickr-4.6.13/flatpickr.min.js")
        chinese = html.index("vendor/flatpickr-4.6.13/l10n/zh.js")
        portal = html.index("js/portal.js")
        assert flatpickr < chinese < portal  # the locale registers itself with flatpickr
        assert "vendor/flatpickr-4.6.13/flatpickr.min.css" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_picked_date_round_trips_as_iso(language):
    class DeliveryForm(forms.Form):
        day = forms.DateField(widget=DatePickerInput())

    with translation.override(language):
        form = DeliveryForm({"day": "2026-12-07"})
        assert form.is_valid()
        assert form.cleaned_data["day"] == date(2026, 12, 7)
        assert 'value="2026-12-07"' in str(form["day"])
        assert 'value="2026-12-07"' in str(DeliveryForm(initial={"day": date(2026, 12, 7)})["day"])


def test_the_vendored_picker_and_its_chinese_are_served():
    for name in (
        "vendor/flatpickr-4.6.13/flatpickr.min.js",
        "vendor/flatpickr-4.6.13/flatpickr.min.css",
        "vendor/flatpickr-4.6.13/l10n/zh.js",
        "vendor/flatpickr-4.6.13/LICENSE.md",
    ):
        assert finders.find(name), name
    with open(finders.find("js/portal.js"), encoding="utf-8") as script:
        code = script.read()
    assert "input[data-datepicker]" in code
    assert "chinese ? CHINESE_CALENDAR" in code and "...flatpickr.l10ns.zh" in code
    assert 'monthAriaLabel: "月份"' in code  # flatpickr's Chinese leaves it in English


# Money -------------------------------------------------------------------------------------------


@pytest.fixture
def big_order(buyer, company, make_product, place_order):
    """Amounts of four digits and more everywhere: a 12,345.60 product, a 20,000 limit."""
    membership = Membership.objects.get(user=buyer, company=company)
    membership.spending_limit = Decimal("20000.00")
    membership.save(update_fields=["spending_limit"])
    product = make_product(sku="FZ-BIG", price="12345.60", tax_rate="0.00")
    order = place_order(buyer=buyer, product=product, quantity=1)
    services.add_to_cart(cart=services.cart_for(user=buyer, company=company), product=product, quantity=1)
    return order


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_show_amounts_only_through_format_money(client, company_admin, buyer, ship_to, big_order, language):
    client.force_login(company_admin)
    _in(client, language)
    members = client.get(reverse("accounts:members")).content.decode()
    assert "¥20,000.00" in members

    client.force_login(buyer)
    _in(client, language)
    pages = {
        "members": members,
        "product": client.get(reverse("catalog:product_detail", args=["FZ-BIG"])).content.decode(),
        "cart": client.get(reverse("ordering:cart")).content.decode(),
        "checkout": client.get(reverse("ordering:checkout")).content.decode(),
        "order": client.get(reverse("ordering:order_detail", args=[big_order.number])).content.decode(),
        "orders": client.get(reverse("ordering:order_list")).content.decode(),
    }
    for name, html in pages.items():
        text = re.sub(r"<script.*?</script>|<[^>]+>", " ", html, flags=re.S)
        assert not UNFORMATTED_AMOUNT.search(text), (name, UNFORMATTED_AMOUNT.search(text))
    for name in ("product", "cart", "checkout", "order"):
        assert "¥12,345.60" in pages[name], name


def test_the_member_forms_show_the_companys_currency_before_the_limit(client, company_admin, buyer, company):
    company.currency = "HKD"
    company.save(update_fields=["currency"])
    membership = Membership.objects.get(user=buyer, company=company)
    client.force_login(company_admin)

    for url in (reverse("accounts:member_invite"), reverse("accounts:member_edit", args=[membership.pk])):
        html = client.get(url).content.decode()
        assert re.search(
            r'<div class="input-group"><span class="input-group-text"[^>]*>HK\$</span><input[^>]*name="spending_limit"',
            html,
        ), url


# The back office's avatar -------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_back_office_avatar_answers(staff_manager, language):
    with_second_factor(staff_manager)
    client = Client()
    client.force_login(staff_manager)
    profile = UserProfile.get_for_user(staff_manager)
    profile.preferred_language = language
    profile.save()

    html = client.get("/backoffice/").content.decode()

    sources = set(re.findall(r'<img src="([^"]*avatar[^"]*)"', html))
    sources |= set(re.findall(r'"avatarUrl": "([^"]+)"', html))
    assert sources
    for src in sources:
        response = client.get(src)
        assert response.status_code == 200, src
        assert response["Content-Type"] == "image/png"
