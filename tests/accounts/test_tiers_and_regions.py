"""Regions and price tiers in the back office: the manager keeps both names, customers read the
Chinese one, a row still in use is not deleted, roles without the permission are kept out, and
the listing runs a fixed number of queries."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from accounts.models import Membership, PriceTier, Region
from catalog.models import PriceList
from tests.factories import (
    CompanyFactory,
    MembershipFactory,
    PriceListFactory,
    PriceTierFactory,
    RegionFactory,
    StaffFactory,
    with_second_factor,
)

ZH = "zh-hans"


def _staff(role: str):
    user = with_second_factor(StaffFactory())
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def manager(db):
    return _staff(roles.MANAGER)


@pytest.fixture
def tier_a(db):
    return PriceTierFactory(code="a", name="Tier A", name_zh="A级客户")


def _signed_in(client, user):
    client.force_login(user)
    return client


# --- The manager keeps both names -----------------------------------------------------------


def test_manager_creates_a_tier_with_both_names(client, manager):
    response = _signed_in(client, manager).post(
        reverse("price-tiers:add"), {"code": "key", "name": "Key accounts", "name_zh": "重点客户"}
    )

    assert response.status_code == 302
    tier = PriceTier.objects.get(code="key")
    assert (tier.name, tier.name_zh) == ("Key accounts", "重点客户")


def test_manager_creates_a_region_with_both_names(client, manager):
    response = _signed_in(client, manager).post(
        reverse("regions:add"), {"code": "east", "name": "East China", "name_zh": "华东地区"}
    )

    assert response.status_code == 302
    assert Region.objects.filter(code="east", name="East China", name_zh="华东地区").exists()


def test_a_new_tier_needs_its_chinese_name(client, manager):
    response = _signed_in(client, manager).post(reverse("price-tiers:add"), {"code": "key", "name": "Key accounts"})

    assert response.status_code == 200
    assert "name_zh" in response.context["form"].errors
    assert not PriceTier.objects.filter(code="key").exists()


def test_a_tier_kept_from_before_without_chinese_can_still_be_corrected(client, manager):
    tier = PriceTierFactory(code="old", name="Old tier", name_zh="")

    response = _signed_in(client, manager).post(
        reverse("price-tiers:edit", args=[tier.pk]), {"code": "old", "name": "Legacy tier", "name_zh": ""}
    )

    assert response.status_code == 302
    assert PriceTier.objects.get(pk=tier.pk).name == "Legacy tier"


def test_the_customer_reads_the_tier_name_the_manager_gave_in_chinese(client, manager):
    _signed_in(client, manager).post(
        reverse("price-tiers:add"), {"code": "key", "name": "Key accounts", "name_zh": "重点客户"}
    )
    company = CompanyFactory(price_tier=PriceTier.objects.get(code="key"))
    buyer = MembershipFactory(company=company, role=Membership.Role.BUYER).user

    client.force_login(buyer)
    english = client.get(reverse("portal:home")).content.decode()
    client.post(reverse("set_language"), {"language": ZH})
    chinese = client.get(reverse("portal:home")).content.decode()

    assert "Key accounts" in english and "重点客户" not in english
    assert "重点客户" in chinese and "Key accounts" not in chinese


# --- Deleting -------------------------------------------------------------------------------


def _delete(client, url_name, row):
    return client.post(reverse(f"{url_name}:delete", args=[row.pk]), follow=True)


def test_deleting_a_tier_that_customers_use_is_refused(client, manager, tier_a):
    CompanyFactory(price_tier=tier_a)

    response = _delete(_signed_in(client, manager), "price-tiers", tier_a)

    assert PriceTier.objects.filter(pk=tier_a.pk).exists()
    assert "still has customers or price lists and cannot be deleted" in response.content.decode()


def test_deleting_a_tier_with_a_price_list_is_refused_and_keeps_the_list(client, manager, tier_a):
    price_list = PriceListFactory(kind=PriceList.Kind.TIER, price_tier=tier_a, name="Tier A prices")

    response = _delete(_signed_in(client, manager), "price-tiers", tier_a)

    assert PriceTier.objects.filter(pk=tier_a.pk).exists()
    assert PriceList.objects.filter(pk=price_list.pk).exists()
    assert "cannot be deleted" in response.content.decode()


def test_deleting_a_region_that_customers_use_is_refused(client, manager):
    region = RegionFactory(code="east", name="East China")
    CompanyFactory(region=region)

    response = _delete(_signed_in(client, manager), "regions", region)

    assert Region.objects.filter(pk=region.pk).exists()
    assert "East China is still the region of customers and cannot be deleted." in response.content.decode()


def test_an_unused_tier_is_deleted(client, manager, tier_a):
    _delete(_signed_in(client, manager), "price-tiers", tier_a)

    assert not PriceTier.objects.filter(pk=tier_a.pk).exists()


# --- Who may ---------------------------------------------------------------------------------


def _is_refused(response) -> bool:
    # Wagtail answers a permission denial with a redirect to the admin home.
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


@pytest.mark.parametrize("url_name", ["price-tiers:index", "regions:index"])
def test_the_warehouse_neither_sees_tiers_and_regions_nor_their_menu_items(client, db, url_name):
    _signed_in(client, _staff(roles.WAREHOUSE))

    assert _is_refused(client.get(reverse(url_name)))
    assert reverse(url_name) not in client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.parametrize("role", [roles.SALES_REP, roles.FINANCE, roles.ORDER_APPROVER])
def test_roles_that_see_customers_read_tiers_but_may_not_change_them(client, role, tier_a):
    _signed_in(client, _staff(role))

    assert client.get(reverse("price-tiers:index")).status_code == 200
    assert client.get(reverse("regions:index")).status_code == 200
    assert _is_refused(client.get(reverse("price-tiers:add")))
    response = client.post(
        reverse("price-tiers:edit", args=[tier_a.pk]), {"code": "a", "name": "Renamed", "name_zh": "改名"}
    )
    assert _is_refused(response)
    assert PriceTier.objects.get(pk=tier_a.pk).name == "Tier A"
    assert _is_refused(client.post(reverse("price-tiers:delete", args=[tier_a.pk])))
    assert PriceTier.objects.filter(pk=tier_a.pk).exists()


def test_the_manager_has_the_menu_items(client, manager):
    home = _signed_in(client, manager).get(reverse("wagtailadmin_home")).content.decode()

    assert reverse("price-tiers:index") in home
    assert reverse("regions:index") in home


def test_the_content_editor_is_kept_out(client, tier_a):
    _signed_in(client, _staff(roles.CONTENT_EDITOR))

    assert _is_refused(client.get(reverse("price-tiers:index")))
    assert _is_refused(client.get(reverse("regions:edit", args=[RegionFactory().pk])))


# --- The listing ------------------------------------------------------------------------------


def test_the_listing_shows_code_both_names_and_the_customers_using_it(client, manager, tier_a):
    CompanyFactory.create_batch(2, price_tier=tier_a)
    PriceTierFactory(code="b", name="Tier B", name_zh="B级客户")

    response = _signed_in(client, manager).get(reverse("price-tiers:index"))

    rows = {tier.code: (tier.name, tier.name_zh, tier.company_count) for tier in response.context["object_list"]}
    assert rows == {"a": ("Tier A", "A级客户", 2), "b": ("Tier B", "B级客户", 0)}
    html = response.content.decode()
    assert "A级客户" in html and "Tier A" in html


def test_a_rep_counts_only_their_own_customers(client, tier_a):
    rep = _staff(roles.SALES_REP)
    CompanyFactory(price_tier=tier_a, sales_rep=rep)
    CompanyFactory.create_batch(3, price_tier=tier_a)

    response = _signed_in(client, rep).get(reverse("price-tiers:index"))

    assert [tier.company_count for tier in response.context["object_list"]] == [1]


def test_the_export_has_both_names(client, manager, tier_a):
    response = _signed_in(client, manager).get(reverse("price-tiers:index"), {"export": "csv"})

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "Code,English name,Chinese name,Customers"
    assert "a,Tier A,A级客户,0" in text


@pytest.mark.parametrize("url_name", ["price-tiers:index", "regions:index"])
def test_the_listing_runs_a_fixed_number_of_queries(client, manager, url_name, django_assert_max_num_queries):
    _signed_in(client, manager)

    def render(how_many: int) -> int:
        for n in range(how_many):
            tier = PriceTierFactory(name=f"Tier {n}", name_zh=f"{n}级")
            region = RegionFactory(name=f"Region {n}", name_zh=f"{n}区")
            CompanyFactory.create_batch(2, price_tier=tier, region=region)
        with django_assert_max_num_queries(20) as captured:
            assert client.get(reverse(url_name)).status_code == 200
        return len(captured.captured_queries)

    render(0)  # the first page of a session also loads what later pages find cached
    assert render(3) == render(27)
