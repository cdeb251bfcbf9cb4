"""The staff back office for customers (/backoffice/customers/): scope, credit terms, 360°, invite.

Cast: `rep` owns Acme Foods, `other_rep` owns Other Catering, `finance` sets credit terms,
`manager` reads everything. Staff reach the back office only with a second factor, so every
staff fixture here has a TOTP authenticator.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.permissions import policy_registry
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from accounts import roles
from accounts.models import Company, Invitation, Membership, User
from tests.factories import (
    AddressFactory,
    CompanyFactory,
    InvitationFactory,
    LicenceFactory,
    MembershipFactory,
    PriceTierFactory,
    RegionFactory,
    StaffFactory,
    UserFactory,
    with_second_factor,
)


@pytest.fixture
def rep(staff_sales_rep):
    return with_second_factor(staff_sales_rep)


@pytest.fixture
def other_rep(db):
    user = StaffFactory(email="other-rep@distributor.example")
    user.groups.add(Group.objects.get(name=roles.SALES_REP))
    return with_second_factor(user)


@pytest.fixture
def finance(staff_finance):
    return with_second_factor(staff_finance)


@pytest.fixture
def manager(staff_manager):
    return with_second_factor(staff_manager)


@pytest.fixture
def warehouse(staff_warehouse):
    return with_second_factor(staff_warehouse)


@pytest.fixture
def superuser(db):
    return with_second_factor(StaffFactory(email="root@distributor.example", is_superuser=True))


@pytest.fixture
def acme(company, rep):
    company.sales_rep = rep
    company.save()
    return company


@pytest.fixture
def other(other_company, other_rep):
    other_company.sales_rep = other_rep
    other_company.save()
    return other_company


def _url(name, *args):
    return reverse(f"customers:{name}", args=args)


def _company_form(company, **overrides):
    """POST data for the company form as the back office renders it, with no inline rows."""
    data = {
        "display_name": company.display_name,
        "legal_name": company.legal_name,
        "tax_number": company.tax_number,
        "region": company.region_id,
        "sales_rep": company.sales_rep_id or "",
        "price_tier": company.price_tier_id or "",
        "status": company.status,
        "min_shelf_life_percent": company.min_shelf_life_percent,
        "notes": company.notes,
        "addresses": inline_formset([]),
        "contacts": inline_formset([]),
        "licences": inline_formset([]),
    }
    data.update(overrides)
    return nested_form_data(data)


def _credit_terms(**overrides):
    terms = {
        "credit_limit": "80000.00",
        "currency": "CNY",
        "payment_terms_kind": Company.TermsKind.END_OF_MONTH,
        "payment_terms_days": "45",
        "grace_days": "7",
    }
    terms.update(overrides)
    return terms


# --- Scope: a rep sees their own customers ---------------------------------------------------


def test_rep_lists_only_their_own_customers(client, rep, acme, other):
    client.force_login(rep)

    response = client.get(_url("index"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Foods" in html
    assert "Other Catering" not in html


def test_finance_lists_every_customer(client, finance, acme, other):
    client.force_login(finance)

    html = client.get(_url("index")).content.decode()

    assert "Acme Foods" in html
    assert "Other Catering" in html


def test_customer_list_links_each_row_to_its_360_page(client, rep, acme):
    client.force_login(rep)

    html = client.get(_url("index")).content.decode()

    assert f'href="{_url("inspect", acme.pk)}"' in html


@pytest.mark.parametrize("view_name", ["edit", "inspect", "history", "usage", "delete", "invite"])
def test_rep_gets_404_for_another_reps_customer(client, rep, other, view_name):
    client.force_login(rep)

    response = client.get(_url(view_name, other.pk))

    assert response.status_code == 404


def test_rep_cannot_save_another_reps_customer_by_posting(client, rep, other):
    client.force_login(rep)

    response = client.post(_url("edit", other.pk), _company_form(other, notes="mine now"))

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.notes == ""


def test_policy_allows_a_rep_to_change_only_their_own_customers(rep, acme, other):
    policy = policy_registry.get_by_type(Company)

    assert policy.user_has_permission_for_instance(rep, "change", acme)
    assert not policy.user_has_permission_for_instance(rep, "change", other)
    assert list(policy.instances_user_has_permission_for(rep, "change")) == [acme]


def test_search_finds_a_customer_by_tax_number(client, finance, acme, other):
    client.force_login(finance)

    html = client.get(_url("index"), {"q": acme.tax_number}).content.decode()

    assert "Acme Foods" in html
    assert "Other Catering" not in html


def test_filter_by_region_narrows_the_list(client, finance, acme, other):
    client.force_login(finance)

    html = client.get(_url("index"), {"region": other.region_id}).content.decode()

    assert "Other Catering" in html
    assert "Acme Foods" not in html


def test_filter_by_sales_rep_narrows_the_list(client, finance, acme, other, rep):
    client.force_login(finance)

    html = client.get(_url("index"), {"sales_rep": rep.pk}).content.decode()

    assert "Acme Foods" in html
    assert "Other Catering" not in html


# --- Credit limits and terms: finance only ---------------------------------------------------


def test_finance_changes_credit_limit_and_terms(client, finance, acme):
    client.force_login(finance)

    response = client.post(_url("edit", acme.pk), _company_form(acme, **_credit_terms()))

    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.credit_limit == Decimal("80000.00")
    assert acme.payment_terms_kind == Company.TermsKind.END_OF_MONTH
    assert acme.payment_terms_days == 45
    assert acme.grace_days == 7


def test_rep_posting_credit_limit_does_not_change_it(client, rep, acme):
    client.force_login(rep)

    response = client.post(
        _url("edit", acme.pk),
        _company_form(acme, notes="Prefers morning delivery", **_credit_terms(credit_limit="999999.00")),
    )

    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.notes == "Prefers morning delivery"  # the rest of the form was saved
    assert acme.credit_limit == Decimal("50000.00")
    assert acme.payment_terms_kind == Company.TermsKind.NET
    assert acme.payment_terms_days == 30
    assert acme.grace_days == 0


def test_rep_sees_credit_terms_read_only(client, rep, acme):
    client.force_login(rep)

    html = client.get(_url("edit", acme.pk)).content.decode()

    assert 'name="notes"' in html
    assert 'name="credit_limit"' not in html
    assert 'name="grace_days"' not in html
    assert "50000.00" in html


def test_finance_gets_credit_terms_as_fields(client, finance, acme):
    client.force_login(finance)

    html = client.get(_url("edit", acme.pk)).content.decode()

    assert 'name="credit_limit"' in html
    assert 'name="payment_terms_kind"' in html


def test_rep_creates_a_customer_that_prepays_until_finance_sets_credit(client, rep):
    region = RegionFactory(name="East China")
    client.force_login(rep)
    new = Company(display_name="Harbour Grill", legal_name="Harbour Grill Ltd.", region=region, sales_rep=rep)

    response = client.post(_url("add"), _company_form(new, **_credit_terms(credit_limit="20000.00")))

    assert response.status_code == 302
    created = Company.objects.get(display_name="Harbour Grill")
    assert created.sales_rep == rep
    assert created.credit_limit == Decimal("0.00")


def test_rep_cannot_hand_a_customer_to_another_rep(client, rep, other_rep, acme):
    client.force_login(rep)

    response = client.post(_url("edit", acme.pk), _company_form(acme, sales_rep=other_rep.pk))

    assert response.status_code == 200  # the form comes back with an error
    acme.refresh_from_db()
    assert acme.sales_rep == rep


def test_finance_assigns_a_customer_to_a_sales_rep(client, finance, other_rep, acme):
    client.force_login(finance)

    response = client.post(
        _url("edit", acme.pk), _company_form(acme, sales_rep=other_rep.pk, **_credit_terms(credit_limit="50000.00"))
    )

    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.sales_rep == other_rep


def test_rep_adds_addresses_contacts_and_licences_with_the_company(client, rep, acme):
    client.force_login(rep)
    data = _company_form(
        acme,
        addresses=inline_formset(
            [{"kind": "shipping", "line1": "1 Harbour Road", "city": "Ningbo", "country": "CN", "is_default": "on"}]
        ),
        contacts=inline_formset([{"name": "Li Wei", "email": "li.wei@acme.example"}]),
        licences=inline_formset([{"kind": "veterinary_drug", "number": "VD-1", "expires_on": "2031-01-31"}]),
    )

    response = client.post(_url("edit", acme.pk), data)

    assert response.status_code == 302
    assert acme.addresses.get().city == "Ningbo"
    assert acme.contacts.get().name == "Li Wei"
    assert acme.licences.get().number == "VD-1"


def test_two_default_addresses_of_one_kind_are_refused(client, rep, acme):
    client.force_login(rep)
    address = {"kind": "shipping", "line1": "1 Harbour Road", "city": "Ningbo", "country": "CN", "is_default": "on"}

    response = client.post(_url("edit", acme.pk), _company_form(acme, addresses=inline_formset([address, address])))

    assert response.status_code == 200
    assert "Only one shipping address can be the default." in response.content.decode()
    assert not acme.addresses.exists()


# --- Customer 360° -------------------------------------------------------------------------


def test_360_page_shows_the_customer(client, rep, acme, buyer):
    LicenceFactory(company=acme, number="VD-OLD", expires_on=timezone.localdate() - timedelta(days=1))
    LicenceFactory(company=acme, number="VD-NEW", expires_on=timezone.localdate() + timedelta(days=300))
    AddressFactory(company=acme, line1="88 Century Avenue")
    InvitationFactory(company=acme, email="new.buyer@acme.example", invited_by=rep)
    InvitationFactory(company=acme, email="gone@acme.example", revoked_at=timezone.now())
    client.force_login(rep)

    response = client.get(_url("inspect", acme.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Foods Trading Co., Ltd." in html
    assert "¥50,000.00" in html
    assert 'data-member="bob@acme.example"' in html
    assert 'data-invitation="new.buyer@acme.example"' in html
    assert "gone@acme.example" not in html  # only open invitations
    assert 'data-licence="VD-OLD" data-expired' in html
    assert 'data-licence="VD-NEW">' in html
    assert "88 Century Avenue" in html
    assert _url("invite", acme.pk) in html


def _queries_for(client, django_assert_max_num_queries, url, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_360_page_queries_do_not_grow_with_members(client, rep, acme, django_assert_max_num_queries):
    for _ in range(2):
        MembershipFactory(company=acme)
    client.force_login(rep)
    url = _url("inspect", acme.pk)
    client.get(url)  # warm per-process caches (content types, site root)
    # Session, user, permissions and admin chrome, plus one query per related list and the other
    # apps' sections (orders, shipments; billing's account and its changes; tickets; rhythm and
    # the reps' notes).
    few, _html = _queries_for(client, django_assert_max_num_queries, url, 28)

    for _ in range(18):
        MembershipFactory(company=acme)
        InvitationFactory(company=acme)
        LicenceFactory(company=acme)
        AddressFactory(company=acme)
    many, html = _queries_for(client, django_assert_max_num_queries, url, 28)

    assert html.count("data-member=") == 20
    assert many == few


# --- Invite a user from the 360° page --------------------------------------------------------


def test_rep_invites_a_user_from_the_360_page(client, rep, acme, django_capture_on_commit_callbacks):
    client.force_login(rep)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("invite", acme.pk),
            {"email": "New.Buyer@Acme.example", "role": Membership.Role.BUYER, "spending_limit": "5000"},
        )

    assert response.status_code == 302
    assert response.url == _url("inspect", acme.pk)
    invitation = Invitation.objects.get(company=acme)
    assert invitation.email == "new.buyer@acme.example"
    assert invitation.spending_limit == Decimal("5000.00")
    assert invitation.invited_by == rep
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.buyer@acme.example"]
    assert invitation.token in mail.outbox[0].body


def test_inviting_an_existing_member_shows_the_reason(client, rep, acme, buyer):
    client.force_login(rep)

    response = client.post(_url("invite", acme.pk), {"email": buyer.email, "role": Membership.Role.BUYER})

    assert response.status_code == 200
    assert "is already a member of Acme Foods" in response.content.decode()
    assert not Invitation.objects.exists()


def test_invite_form_renders_for_the_rep(client, rep, acme):
    client.force_login(rep)

    response = client.get(_url("invite", acme.pk))

    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()


@pytest.mark.parametrize("staff", ["manager", "finance"])
def test_staff_who_cannot_invite_are_turned_away(client, request, acme, staff):
    # The manager reads everything but changes nothing; finance changes credit but does not
    # hold accounts.add_invitation. Wagtail answers a denial with a redirect to the admin home.
    client.force_login(request.getfixturevalue(staff))

    response = client.post(_url("invite", acme.pk), {"email": "x@acme.example", "role": Membership.Role.BUYER})

    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")
    assert not Invitation.objects.exists()
    assert _url("invite", acme.pk) not in client.get(_url("inspect", acme.pk)).content.decode()


# --- Who gets in at all ----------------------------------------------------------------------


def test_buyer_gets_no_back_office(client, buyer, acme):
    client.force_login(buyer)

    response = client.get(_url("index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_warehouse_is_turned_away_from_customers(client, warehouse, acme):
    client.force_login(warehouse)

    assert client.get(_url("index")).url == reverse("wagtailadmin_home")
    assert client.get(_url("add")).url == reverse("wagtailadmin_home")


def test_manager_reads_customers_but_cannot_edit(client, manager, acme):
    client.force_login(manager)

    assert client.get(_url("inspect", acme.pk)).status_code == 200
    response = client.get(_url("edit", acme.pk))
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")


def test_customers_menu_item_shows_for_reps_not_for_warehouse(client, rep, warehouse):
    client.force_login(rep)
    assert _url("index") in client.get(reverse("wagtailadmin_home")).content.decode()

    client.force_login(warehouse)
    assert _url("index") not in client.get(reverse("wagtailadmin_home")).content.decode()


# --- Export --------------------------------------------------------------------------------


def test_csv_export_contains_only_the_reps_customers(client, rep, acme, other):
    client.force_login(rep)

    response = client.get(_url("index"), {"export": "csv"})

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row["Customer"] for row in rows] == ["Acme Foods"]
    assert rows[0]["Credit limit"] == "50000.00"
    assert rows[0]["Currency"] == "CNY"
    assert rows[0]["Sales rep e-mail"] == rep.email


def test_xlsx_export_contains_only_the_reps_customers(client, rep, acme, other):
    client.force_login(rep)

    response = client.get(_url("index"), {"export": "xlsx"})

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Acme Foods"]


def test_csv_export_keeps_formulas_as_text(client, finance):
    CompanyFactory(display_name='=HYPERLINK("http://evil.example")', price_tier=PriceTierFactory())
    client.force_login(finance)

    response = client.get(_url("index"), {"export": "csv"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0]["Customer"] == '\'=HYPERLINK("http://evil.example")'


# --- Staff users in Wagtail's Users screen ---------------------------------------------------


def test_superuser_creates_a_staff_user_in_the_users_admin(client, superuser):
    client.force_login(superuser)
    finance_group = Group.objects.get(name=roles.FINANCE)

    response = client.post(
        reverse("wagtailusers_users:add"),
        {
            "email": "new.finance@distributor.example",
            "first_name": "Mei",
            "last_name": "Chen",
            "password1": "a long and unusual passphrase",
            "password2": "a long and unusual passphrase",
            "groups": [finance_group.pk],
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.finance@distributor.example")
    assert user.check_password("a long and unusual passphrase")
    assert list(user.groups.all()) == [finance_group]
    assert user.is_staff  # so the back office asks for a second factor and lists them as staff


def test_superuser_edits_a_user_in_the_users_admin(client, superuser, rep):
    client.force_login(superuser)

    response = client.post(
        reverse("wagtailusers_users:edit", args=[rep.pk]),
        {
            "email": rep.email,
            "first_name": "Renamed",
            "last_name": rep.last_name,
            "password1": "",
            "password2": "",
            "is_active": "on",
            "groups": [],
        },
    )

    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.first_name == "Renamed"
    assert not rep.groups.exists()
    assert not rep.is_staff  # no role left, no staff flag


def test_new_staff_user_without_second_factor_is_sent_to_set_one_up(client, superuser):
    client.force_login(superuser)
    client.post(
        reverse("wagtailusers_users:add"),
        {
            "email": "new.rep@distributor.example",
            "first_name": "Wang",
            "last_name": "Fang",
            "password1": "a long and unusual passphrase",
            "password2": "a long and unusual passphrase",
            "groups": [Group.objects.get(name=roles.SALES_REP).pk],
        },
    )
    client.force_login(User.objects.get(email="new.rep@distributor.example"))

    response = client.get(_url("index"))

    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_assigning_a_role_in_bulk_makes_users_staff(client, superuser):
    user = UserFactory(email="temp@distributor.example")
    client.force_login(superuser)
    group = Group.objects.get(name=roles.WAREHOUSE)

    response = client.post(
        reverse("wagtail_bulk_action", args=("accounts", "user", "assign_role")) + f"?id={user.pk}",
        {"role": group.pk},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_staff
