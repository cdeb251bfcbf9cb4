"""Pages run a fixed number of queries whatever the number of memberships or companies."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from tests.factories import CompanyFactory, InvitationFactory, MembershipFactory


def _give_the_admin_more(company_admin, company, how_many):
    for _ in range(how_many):
        MembershipFactory(user=company_admin, company=CompanyFactory(), role=Membership.Role.BUYER)
        MembershipFactory(company=company)
        InvitationFactory(company=company)


def _queries_for(client, django_assert_max_num_queries, url, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url_name", ["portal:home", "accounts:members"])
def test_page_queries_do_not_grow_with_companies_or_members(
    url_name, client, company_admin, company, django_assert_max_num_queries
):
    client.force_login(company_admin)
    url = reverse(url_name)
    client.get(url)  # the first request stores the active company in the session
    few = _queries_for(client, django_assert_max_num_queries, url, 12)
    _give_the_admin_more(company_admin, company, 20)
    client.get(url)  # the memberships changed: the first request after reads them again
    many = _queries_for(client, django_assert_max_num_queries, url, 12)
    assert many == few
