"""Contract price lists and customer assortments are scoped like the customers themselves: a sales
rep sees those of their own customers, and every tier and default list and tier assortment;
another rep's customer's are missing from their listings and exports and answer 404 at every URL
that takes their id. Managers, finance and order approvers see all (issue 9, item 3)."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from accounts import roles
from catalog.backoffice import assortment_viewset, price_list_viewset
from catalog.import_admin import PriceUploadForm
from catalog.imports import PRICES
from catalog.models import Assortment, PriceList
from tests.factories import (
    CompanyFactory,
    PriceListEntryFactory,
    PriceListFactory,
    PriceTierFactory,
    ProductFactory,
    StaffFactory,
    with_second_factor,
)


@pytest.fixture(autouse=True)
def staff_need_a_second_factor(settings):
    settings.TRADECOUNTER_REQUIRE_STAFF_MFA = True


def signed_in(user) -> Client:
    with_second_factor(user)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rep(staff_sales_rep):
    return signed_in(staff_sales_rep)


@pytest.fixture
def other_rep(db):
    user = StaffFactory(email="other-rep@distributor.example")
    user.groups.add(Group.objects.get(name=roles.SALES_REP))
    return user


@pytest.fixture
def lists(staff_sales_rep, other_rep):
    """A contract list of the rep's customer and of another rep's customer, a tier and a default list."""
    tier = PriceTierFactory(name="Tier A")
    ours = CompanyFactory(display_name="Our Bistro", sales_rep=staff_sales_rep, price_tier=tier)
    theirs = CompanyFactory(display_name="Their Canteen", sales_rep=other_rep, price_tier=tier)
    product = ProductFactory(sku="FZ-SECRET")

    def price_list(name, kind, price, **owner):
        price_list = PriceListFactory(name=name, kind=kind, **owner)
        PriceListEntryFactory(price_list=price_list, product=product, unit_price=Decimal(price))
        return price_list

    return {
        "ours": price_list("Our Bistro contract", PriceList.Kind.CONTRACT, "11.11", company=ours),
        "theirs": price_list("Their Canteen contract", PriceList.Kind.CONTRACT, "99.99", company=theirs),
        "tier": price_list("Tier A prices", PriceList.Kind.TIER, "22.22", price_tier=tier),
        "default": price_list("List prices", PriceList.Kind.DEFAULT, "33.33"),
    }


def _body(response) -> str:
    """A response's text, streamed (the listing exports) or not; a leading BOM dropped."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def _xlsx_cells(response) -> set[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return {str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row if cell is not None}


def _url(viewset, name, obj=None):
    return reverse(viewset.get_url_name(name), args=[obj.pk] if obj is not None else [])


# --- Price lists ----------------------------------------------------------------------------


def test_a_rep_lists_and_exports_only_their_customers_contract_lists_and_the_shared_ones(rep, lists):
    index = _url(price_list_viewset, "index")
    page = rep.get(index).content.decode()
    csv = _body(rep.get(index + "?export=csv"))
    xlsx = rep.get(index + "?export=xlsx")

    for text in (page, csv):
        assert "Our Bistro contract" in text and "Tier A prices" in text and "List prices" in text
        assert "Their Canteen" not in text
    assert xlsx.status_code == 200
    cells = _xlsx_cells(xlsx)
    assert {"Our Bistro contract", "Tier A prices"} <= cells
    assert not any("Their Canteen" in cell for cell in cells)


READ_VIEWS = ["inspect", "history", "history_results", "usage"]
WRITE_VIEWS = ["edit", "delete"]


@pytest.mark.parametrize("view", READ_VIEWS)
def test_a_rep_gets_404_for_another_reps_customers_contract_list(rep, lists, view):
    assert rep.get(_url(price_list_viewset, view, lists["theirs"])).status_code == 404


@pytest.mark.parametrize("view", WRITE_VIEWS)
def test_a_rep_is_refused_editing_any_price_list(rep, lists, view):
    # Reps do not edit price lists at all (accounts.roles): their own customer's list is a
    # permission denial, another rep's customer's is that or 404 (the delete view looks up first).
    ours = rep.get(_url(price_list_viewset, view, lists["ours"]))
    assert (ours.status_code, ours.url) == (302, reverse("wagtailadmin_home"))
    theirs = rep.post(_url(price_list_viewset, view, lists["theirs"]), {})
    assert theirs.status_code == 404 or (theirs.status_code, theirs.url) == (302, reverse("wagtailadmin_home"))
    assert PriceList.objects.filter(pk=lists["theirs"].pk).exists()


def _grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="catalog", codename__in=codenames))


@pytest.mark.parametrize("view", READ_VIEWS + WRITE_VIEWS)
def test_another_reps_customers_contract_list_is_404_even_with_the_permission_to_change_it(
    staff_sales_rep, lists, view
):
    _grant(staff_sales_rep, "change_pricelist", "delete_pricelist")
    client = signed_in(staff_sales_rep)
    url = _url(price_list_viewset, view, lists["theirs"])
    assert client.get(url).status_code == 404
    if view in WRITE_VIEWS:
        assert client.post(url, {}).status_code == 404
    assert PriceList.objects.filter(pk=lists["theirs"].pk, name="Their Canteen contract").exists()
    # Their own customer's list opens.
    assert client.get(_url(price_list_viewset, view, lists["ours"])).status_code == 200


def test_a_rep_inspects_their_customers_contract_list_and_the_shared_ones(rep, lists):
    for key, price in (("ours", "11.11"), ("tier", "22.22"), ("default", "33.33")):
        response = rep.get(_url(price_list_viewset, "inspect", lists[key]))
        assert response.status_code == 200, key
        assert price in response.content.decode()


def test_a_rep_exports_only_their_own_customers_contract_list(rep, lists):
    theirs = reverse("catalog_import:export_price_list", args=[lists["theirs"].pk, "csv"])
    assert rep.get(theirs).status_code == 404
    assert rep.get(reverse("catalog_import:export_price_list", args=[lists["theirs"].pk, "xlsx"])).status_code == 404

    ours = rep.get(reverse("catalog_import:export_price_list", args=[lists["ours"].pk, "csv"]))
    assert ours.status_code == 200 and "11.11" in _body(ours)


def test_the_exports_page_offers_a_rep_only_the_lists_they_see(rep, lists):
    page = rep.get(reverse("catalog_import:index")).content.decode()
    assert "Our Bistro contract" in page and "Tier A prices" in page
    assert "Their Canteen" not in page
    assert reverse("catalog_import:export_price_list", args=[lists["theirs"].pk, "csv"]) not in page


def test_the_price_import_offers_only_the_lists_the_user_sees(staff_sales_rep, staff_manager, lists):
    rep_choices = set(PriceUploadForm(kind=PRICES, user=staff_sales_rep).fields["price_list"].queryset)
    assert rep_choices == {lists["ours"], lists["tier"], lists["default"]}
    manager_choices = set(PriceUploadForm(kind=PRICES, user=staff_manager).fields["price_list"].queryset)
    assert manager_choices == set(lists.values())


@pytest.mark.parametrize("role", ["staff_manager", "staff_finance", "staff_order_approver"])
def test_staff_who_see_every_customer_see_every_contract_list(request, lists, role):
    client = signed_in(request.getfixturevalue(role))
    assert "Their Canteen contract" in client.get(_url(price_list_viewset, "index")).content.decode()
    response = client.get(_url(price_list_viewset, "inspect", lists["theirs"]))
    assert response.status_code == 200 and "99.99" in response.content.decode()
    export = client.get(reverse("catalog_import:export_price_list", args=[lists["theirs"].pk, "csv"]))
    assert export.status_code == 200


# --- Assortments ----------------------------------------------------------------------------


@pytest.fixture
def assortments(lists):
    ours, theirs = lists["ours"].company, lists["theirs"].company
    our_range = Assortment.objects.create(name="Our Bistro range")
    our_range.companies.add(ours)
    their_range = Assortment.objects.create(name="Their Canteen range")
    their_range.companies.add(theirs)
    tier_range = Assortment.objects.create(name="Tier A range")
    tier_range.price_tiers.add(theirs.price_tier)
    # A tier's assortment that also names both reps' customers: seen by every rep, but each rep is
    # shown only their own customers.
    mixed = Assortment.objects.create(name="Tier A extras")
    mixed.price_tiers.add(theirs.price_tier)
    mixed.companies.add(ours, theirs)
    return {"ours": our_range, "theirs": their_range, "tier": tier_range, "mixed": mixed}


def test_a_rep_lists_and_exports_only_their_customers_assortments_and_the_tiers(rep, assortments):
    index = _url(assortment_viewset, "index")
    page = rep.get(index).content.decode()
    csv = _body(rep.get(index + "?export=csv"))

    for text in (page, csv):
        assert "Our Bistro range" in text and "Tier A range" in text and "Tier A extras" in text
        assert "Their Canteen range" not in text
    # The mixed assortment counts only the companies the rep sees.
    assert "Tier A extras,0,1,Tier A" in csv.replace("\r", "").replace('"', "")


@pytest.mark.parametrize("view", READ_VIEWS)
def test_a_rep_gets_404_for_another_reps_customers_assortment(rep, assortments, view):
    assert rep.get(_url(assortment_viewset, view, assortments["theirs"])).status_code == 404


@pytest.mark.parametrize("view", READ_VIEWS + WRITE_VIEWS)
def test_another_reps_customers_assortment_is_404_even_with_the_permission_to_change_it(
    staff_sales_rep, assortments, view
):
    _grant(staff_sales_rep, "change_assortment", "delete_assortment")
    client = signed_in(staff_sales_rep)
    url = _url(assortment_viewset, view, assortments["theirs"])
    assert client.get(url).status_code == 404
    if view in WRITE_VIEWS:
        assert client.post(url, {}).status_code == 404
    assert Assortment.objects.filter(pk=assortments["theirs"].pk, name="Their Canteen range").exists()
    assert client.get(_url(assortment_viewset, view, assortments["ours"])).status_code == 200


def test_a_rep_inspects_a_tier_assortment_without_another_reps_customers(rep, assortments):
    for key in ("ours", "tier"):
        assert rep.get(_url(assortment_viewset, "inspect", assortments[key])).status_code == 200
    page = rep.get(_url(assortment_viewset, "inspect", assortments["mixed"])).content.decode()
    assert "Tier A extras" in page and "Our Bistro" in page
    assert "Their Canteen" not in page


def test_a_manager_sees_every_assortment_and_its_companies(staff_manager, assortments):
    manager = signed_in(staff_manager)
    assert "Their Canteen range" in manager.get(_url(assortment_viewset, "index")).content.decode()
    page = manager.get(_url(assortment_viewset, "inspect", assortments["mixed"])).content.decode()
    assert "Their Canteen" in page


def test_a_rep_who_may_edit_assortments_is_offered_and_changes_only_their_own_customers(
    staff_sales_rep, lists, assortments
):
    """Should a rep hold `change_assortment`, the form offers only their customers, and saving
    keeps the other rep's customers that the assortment already had."""
    _grant(staff_sales_rep, "change_assortment")
    client = signed_in(staff_sales_rep)
    mixed, ours = assortments["mixed"], lists["ours"].company
    url = _url(assortment_viewset, "edit", mixed)
    assert "Their Canteen" not in client.get(url).content.decode()

    response = client.post(
        url, {"name": "Tier A extras, renamed", "price_tiers": [ours.price_tier_id], "companies": []}
    )

    assert response.status_code == 302
    mixed.refresh_from_db()
    assert mixed.name == "Tier A extras, renamed"
    assert set(mixed.companies.all()) == {lists["theirs"].company}


def test_a_rep_who_may_add_price_lists_is_offered_only_their_own_customers(staff_sales_rep, lists):
    _grant(staff_sales_rep, "add_pricelist")
    page = signed_in(staff_sales_rep).get(_url(price_list_viewset, "add")).content.decode()
    assert "Our Bistro" in page
    assert "Their Canteen" not in page
