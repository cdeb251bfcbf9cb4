"""Role fixtures: alice is Acme's admin, bob buys for Acme, carol approves, dave does finance;
the outsider belongs to another company. Staff fixtures carry their groups."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.utils import translation

from accounts import roles
from accounts.models import Membership
from tests.factories import CompanyFactory, MembershipFactory, StaffFactory, UserFactory


@pytest.fixture(autouse=True)
def _english():
    """Each test starts in English: LocaleMiddleware leaves the thread in the language of the
    last request, so a Chinese page in one test would otherwise change the next one's texts."""
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts and ends with an empty cache: cached catalog pages, cards and prices are
    keyed by ids that the next test's rows may reuse, and rows rolled back send no signal."""
    for alias in settings.CACHES:
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def company(db):
    return CompanyFactory(display_name="Acme Foods", legal_name="Acme Foods Trading Co., Ltd.")


@pytest.fixture
def other_company(db):
    return CompanyFactory(display_name="Other Catering", legal_name="Other Catering Ltd.")


def _member(company, role, email):
    return MembershipFactory(company=company, role=role, user=UserFactory(email=email)).user


@pytest.fixture
def company_admin(company):
    return _member(company, Membership.Role.ADMIN, "alice@acme.example")


@pytest.fixture
def buyer(company):
    return _member(company, Membership.Role.BUYER, "bob@acme.example")


@pytest.fixture
def approver(company):
    return _member(company, Membership.Role.APPROVER, "carol@acme.example")


@pytest.fixture
def company_finance(company):
    return _member(company, Membership.Role.FINANCE, "dave@acme.example")


@pytest.fixture
def outsider(other_company):
    """An admin of another company: the most powerful customer who must still see nothing of ours."""
    return _member(other_company, Membership.Role.ADMIN, "olga@other.example")


def _staff(group_name, email):
    user = StaffFactory(email=email)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def staff_sales_rep(db):
    return _staff(roles.SALES_REP, "rep@distributor.example")


@pytest.fixture
def staff_finance(db):
    return _staff(roles.FINANCE, "finance@distributor.example")


@pytest.fixture
def staff_manager(db):
    return _staff(roles.MANAGER, "manager@distributor.example")


@pytest.fixture
def staff_warehouse(db):
    return _staff(roles.WAREHOUSE, "warehouse@distributor.example")


@pytest.fixture
def staff_content_editor(db):
    return _staff(roles.CONTENT_EDITOR, "editor@distributor.example")


@pytest.fixture
def staff_order_approver(db):
    return _staff(roles.ORDER_APPROVER, "director@distributor.example")
