"""`manage.py seed_demo` builds the demo world on an empty database, idempotently, and every
login it prints works."""

import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Revision

from accounts import roles
from accounts.models import Address, Company, Contact, Licence, Membership, PriceTier, Region, User
from portal import demo
from portal.pages.models import ContentPage, HomePage

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The seed runs once for this module, in a transaction rolled back after its last test;
    each test still runs in its own savepoint, so what a test writes is undone after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


@pytest.fixture
def output(seeded):
    cache.clear()  # allauth's login rate limits live in the cache
    yield seeded
    cache.clear()


def printed_password(output: str) -> str:
    match = re.search(r"password: (\S+)", output)
    assert match, output
    return match.group(1)


def printed_emails(output: str) -> list[str]:
    return re.findall(r"^  \S.*?\s([\w.+-]+@[\w.-]+\.example)\s", output, flags=re.MULTILINE)


def snapshot() -> dict:
    """Every row the seed touches, field by field."""
    models = [User, EmailAddress, Region, PriceTier, Company, Address, Contact, Licence, Membership]
    state = {model.__name__: list(model.objects.order_by("pk").values()) for model in models}
    state["groups"] = sorted(User.groups.through.objects.values_list("user_id", "group_id"))
    state["revisions"] = list(Revision.objects.order_by("pk").values_list("pk", "object_id"))
    state["home"] = list(HomePage.objects.values("pk", "live", "intro", "latest_revision_id"))
    return state


def test_starts_from_an_empty_database():
    assert not User.objects.exists()
    assert not Company.objects.exists()


def test_twelve_companies_six_per_region_three_tiers(output):
    assert Company.objects.count() == 12
    assert {region.code: region.companies.count() for region in Region.objects.all()} == {"east": 6, "south": 6}
    assert set(PriceTier.objects.values_list("code", flat=True)) == {"A", "B", "C"}
    for company in Company.objects.select_related("sales_rep", "region"):
        assert len(company.tax_number) == 18
        assert company.sales_rep.groups.filter(name=roles.SALES_REP).exists()
        rep_row = next(row for row in demo.STAFF if row["email"] == company.sales_rep.email)
        assert rep_row["region"] == company.region.code
        for kind in Address.Kind.values:
            assert company.addresses.filter(kind=kind, is_default=True).count() == 1
        assert company.contacts.exists()
        assert 0 <= company.min_shelf_life_percent <= 70
    assert len(set(Company.objects.values_list("tax_number", flat=True))) == 12


def test_credit_terms_licences_and_status_cover_the_interesting_cases(output):
    today = timezone.localdate()
    limits = list(Company.objects.values_list("credit_limit", flat=True))
    assert 2 <= sum(1 for limit in limits if limit == 0) <= 4
    assert all(20_000 <= limit <= 500_000 for limit in limits if limit)
    assert set(Company.objects.values_list("payment_terms_kind", flat=True)) == {"net", "eom"}
    assert Company.objects.filter(status=Company.Status.SUSPENDED).count() == 1
    assert [lic.is_valid_on(today) for lic in Licence.objects.order_by("expires_on")] == [False, True]


def test_staff_in_every_group_and_a_superuser(output):
    for group in Group.objects.filter(name__in=roles.STAFF_GROUP_PERMISSIONS):
        members = group.user_set.all()
        assert members.exists(), group.name
        assert all(user.is_staff and user.email.endswith("@coldchain-demo.example") for user in members)
    assert Group.objects.get(name=roles.SALES_REP).user_set.count() == 2
    admin = User.objects.get(email="admin@tradecounter.example")
    assert admin.is_staff and admin.is_superuser


def test_every_company_has_a_member_in_every_role(output):
    for company in Company.objects.all():
        assert set(company.memberships.values_list("role", flat=True)) == set(Membership.Role.values), company
        for buyer in company.memberships.filter(role=Membership.Role.BUYER):
            assert buyer.spending_limit and buyer.spending_limit > 0


def test_one_buyer_switches_between_two_companies(output, client):
    shared = User.objects.get(email=demo.SHARED_PEOPLE[0]["email"])
    memberships = list(shared.memberships.select_related("company"))
    assert len(memberships) == 2
    assert shared.email in printed_emails(output)

    assert client.login(email=shared.email, password=printed_password(output))
    for membership in reversed(memberships):
        switched = client.post(reverse("accounts:switch_company", args=[membership.company_id]))
        assert switched.status_code == 302
        page = client.get(reverse("portal:home"))
        assert page.status_code == 200
        assert page.context["company"] == membership.company


def test_running_twice_changes_nothing(output):
    before = snapshot()
    second = seed()
    assert snapshot() == before
    assert "0 rows created" in second


def test_every_demo_user_logs_in_with_the_printed_password(output, client):
    password = printed_password(output)
    assert password == demo.DEMO_PASSWORD
    users = list(User.objects.all())
    assert len(users) == 8 + 12 * 4 + 1
    for user in users:
        address = EmailAddress.objects.get(user=user)
        assert address.verified and address.primary and address.email == user.email
        assert client.login(email=user.email, password=password), user.email
        client.logout()


def test_printed_logins_sign_in_through_the_allauth_form(output, client):
    emails = printed_emails(output)
    assert len(emails) >= 15
    assert {"admin@tradecounter.example", "sales.east@coldchain-demo.example"} <= set(emails)
    for email in emails:
        assert User.objects.filter(email=email).exists(), email
    response = client.post(reverse("account_login"), {"login": "buyer@bayside.example", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    home = client.get(reverse("portal:home")).content.decode()
    assert "Bayside Restaurants" in home
    assert "Order by 15:00 for next-day delivery" in home


def test_output_fits_on_one_screen(output):
    assert len(output.splitlines()) <= 32
    assert "Customer portal (http://127.0.0.1:8000/portal/)" in output
    assert "Back office (http://127.0.0.1:8000/backoffice/)" in output
    assert "TRADECOUNTER_REQUIRE_STAFF_MFA" in output


def test_home_page_announcements_are_published_once(output):
    home = HomePage.objects.live().get()
    kinds = [block.value["kind"] for block in home.current_announcements()]
    assert sorted(kinds) == ["cutoff", "promotion", "recall"]
    assert home.intro
    assert home.revisions.count() == 1
    assert not home.has_unpublished_changes

    seed()
    assert HomePage.objects.get().revisions.count() == 1


def test_content_tiers_and_regions_are_in_chinese_too(output):
    home = HomePage.objects.live().get()
    assert home.title_zh and "欢迎" in home.intro_zh
    for block in home.current_announcements():
        assert block.value["title_zh"] and block.value["body_zh"], block.value["title"]
    help_page = ContentPage.objects.live().get(slug="delivery")
    assert (help_page.title_zh, help_page.get_parent().specific) == ("配送与退货", home)
    assert all(tier.name_zh for tier in PriceTier.objects.all())
    assert all(region.name_zh for region in Region.objects.all())


def test_refuses_production_settings_unless_asked(settings):
    settings.SETTINGS_MODULE = "portal.settings.production"
    users_before = User.objects.count()
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.count() == users_before
    call_command("seed_demo", "--allow-production", stdout=io.StringIO())
    assert Company.objects.count() == 12
