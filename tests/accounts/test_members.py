"""Company admins manage their people: invite, change role and limit, remove, withdraw."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.access import ACTIVE_COMPANY_SESSION_KEY
from accounts.models import Invitation, Membership
from tests.factories import CompanyFactory, InvitationFactory, MembershipFactory, UserFactory


def test_admin_invites_a_buyer_by_email(client, company_admin, company, django_capture_on_commit_callbacks):
    client.force_login(company_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:member_invite"),
            {"email": "New.Buyer@Acme.example", "role": "buyer", "spending_limit": "2500.00"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(company=company)
    assert invitation.email == "new.buyer@acme.example"
    assert invitation.spending_limit == Decimal("2500.00")
    assert mail.outbox[0].to == ["new.buyer@acme.example"]
    assert invitation.token in mail.outbox[0].body
    assert "Acme Foods" in mail.outbox[0].subject


def test_invite_with_bad_email_keeps_what_was_typed_and_names_the_field(client, company_admin):
    client.force_login(company_admin)
    response = client.post(reverse("accounts:member_invite"), {"email": "not-an-email", "role": "buyer"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'value="not-an-email"' in html
    assert 'aria-invalid="true"' in html
    assert not Invitation.objects.exists()


def test_inviting_an_existing_member_is_refused(company_admin, buyer, company):
    with pytest.raises(services.AccountsError, match="already a member"):
        services.invite_member(
            company=company, email=buyer.email.upper(), role="buyer", spending_limit=None, invited_by=company_admin
        )


def test_reinviting_replaces_the_open_invitation(company_admin, company):
    first = services.invite_member(
        company=company, email="x@acme.example", role="buyer", spending_limit=None, invited_by=company_admin
    )
    second = services.invite_member(
        company=company, email="x@acme.example", role="approver", spending_limit=None, invited_by=company_admin
    )
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.is_open


def test_buyer_cannot_manage_users(client, buyer):
    client.force_login(buyer)
    assert client.get(reverse("accounts:members")).status_code == 403
    assert client.post(reverse("accounts:member_invite"), {"email": "a@b.example", "role": "buyer"}).status_code == 403


def test_admin_changes_a_role_and_limit(client, company_admin, buyer, company):
    membership = Membership.objects.get(user=buyer, company=company)
    client.force_login(company_admin)
    response = client.post(
        reverse("accounts:member_edit", args=[membership.pk]), {"role": "approver", "spending_limit": "100.50"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.spending_limit) == ("approver", Decimal("100.50"))


def test_negative_spending_limit_is_refused(client, company_admin, buyer, company):
    membership = Membership.objects.get(user=buyer, company=company)
    client.force_login(company_admin)
    response = client.post(
        reverse("accounts:member_edit", args=[membership.pk]), {"role": "buyer", "spending_limit": "-1"}
    )
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.spending_limit is None


def test_the_last_admin_cannot_demote_themselves(client, company_admin, company):
    membership = Membership.objects.get(user=company_admin, company=company)
    client.force_login(company_admin)
    response = client.post(reverse("accounts:member_edit", args=[membership.pk]), {"role": "buyer"})
    assert response.status_code == 200
    assert "needs at least one company admin" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_the_last_admin_cannot_be_removed(client, company_admin, company):
    membership = Membership.objects.get(user=company_admin, company=company)
    client.force_login(company_admin)
    response = client.post(reverse("accounts:member_remove", args=[membership.pk]), {"confirm": "yes"}, follow=True)
    assert "last company admin" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_admin_removes_a_buyer(client, company_admin, buyer, company):
    membership = Membership.objects.get(user=buyer, company=company)
    client.force_login(company_admin)
    client.post(reverse("accounts:member_remove", args=[membership.pk]), {"confirm": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    # The person keeps their account and any other company.
    assert buyer.__class__.objects.filter(pk=buyer.pk).exists()


def test_removing_a_user_asks_first_and_nothing_happens_without_the_confirmation(client, company_admin, buyer, company):
    membership = Membership.objects.get(user=buyer, company=company)
    url = reverse("accounts:member_remove", args=[membership.pk])
    client.force_login(company_admin)

    members = client.get(reverse("accounts:members")).content.decode()
    assert f'href="{url}"' in members  # the list's "Remove" opens the question, it removes nothing

    page = client.get(url)
    assert page.status_code == 200
    assert f"Remove {buyer} from {company}?" in page.content.decode()
    assert 'name="confirm" value="yes"' in page.content.decode()

    unconfirmed = client.post(url)  # e.g. the old one-click button
    assert unconfirmed.status_code == 200
    assert "Yes, remove their access" in unconfirmed.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()

    assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_member_forms_give_the_limit_in_the_companys_currency(client, company_admin, buyer, company):
    company.currency = "HKD"
    company.save(update_fields=["currency"])
    membership = Membership.objects.get(user=buyer, company=company)
    client.force_login(company_admin)

    for url in (reverse("accounts:member_invite"), reverse("accounts:member_edit", args=[membership.pk])):
        html = client.get(url).content.decode()
        assert "Spending limit per order (HKD)" in html
        assert "In HKD." in html


def test_member_forms_explain_errors_in_our_words_in_the_error_summary(client, company_admin, buyer, company):
    membership = Membership.objects.get(user=buyer, company=company)
    client.force_login(company_admin)

    invite = client.post(
        reverse("accounts:member_invite"), {"email": "bob@", "role": "buyer", "spending_limit": "lots"}
    )
    edit = client.post(reverse("accounts:member_edit", args=[membership.pk]), {"role": "owner", "spending_limit": "-5"})

    invite_html, edit_html = invite.content.decode(), edit.content.decode()
    for html in (invite_html, edit_html):
        assert 'data-testid="error-summary"' in html
        for django_wording in (
            "Ensure this value",
            "Enter a number.",
            "Enter a valid email address.",
            "Select a valid",
        ):
            assert django_wording not in html
    assert "Enter an e-mail address like name@example.com." in invite_html
    assert "Enter the limit as an amount, like 5000 or 5000.00." in invite_html
    assert "Choose one of the roles in the list." in edit_html
    assert "Enter a limit of 0 or more, or leave it empty for no limit." in edit_html
    assert 'href="#id_spending_limit"' in edit_html


def test_admin_withdraws_an_invitation(client, company_admin, company):
    invitation = InvitationFactory(company=company)
    client.force_login(company_admin)
    client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_existing_user_accepts_an_invitation_and_switches_to_that_company(client, buyer, company):
    new_company = CompanyFactory(display_name="Harbour Hotel")
    invitation = InvitationFactory(company=new_company, email=buyer.email, role="approver")
    client.force_login(buyer)
    assert client.get(reverse("accounts:invitation", args=[invitation.token])).status_code == 200
    response = client.post(reverse("accounts:invitation", args=[invitation.token]))
    assert response.status_code == 302
    assert Membership.objects.get(user=buyer, company=new_company).role == "approver"
    assert client.session[ACTIVE_COMPANY_SESSION_KEY] == new_company.pk


def test_new_person_signs_up_from_an_invitation_without_a_second_verification(client, company):
    invitation = InvitationFactory(company=company, email="newcomer@acme.example", role="buyer")
    response = client.get(reverse("accounts:invitation", args=[invitation.token]))
    assert "Create my account" in response.content.decode()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "newcomer@acme.example",
            "password1": "a long demo passphrase",
            "password2": "a long demo passphrase",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="newcomer@acme.example")
    assert membership.company == company
    # The invitation link proved the address: the new user is signed in straight away.
    assert client.get(reverse("portal:home")).status_code == 200


def test_expired_invitation_is_refused(client, company):
    from datetime import timedelta

    from django.utils import timezone

    invitation = InvitationFactory(company=company, expires_at=timezone.now() - timedelta(days=1))
    response = client.get(reverse("accounts:invitation", args=[invitation.token]))
    assert response.status_code == 410


def test_sign_up_without_an_invitation_is_closed(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "stranger@example.com", "password1": "a long demo passphrase", "password2": "a long demo passphrase"},
    )
    assert not UserFactory._meta.model.objects.filter(email="stranger@example.com").exists()
    assert "account/signup_closed.html" in [template.name for template in response.templates]


def test_switching_company_changes_what_home_shows(client, buyer, company):
    second = MembershipFactory(user=buyer, company=CompanyFactory(display_name="Second Kitchen")).company
    client.force_login(buyer)
    assert "Acme Foods" in client.get(reverse("portal:home")).content.decode()
    client.post(reverse("accounts:switch_company", args=[second.pk]))
    assert "Second Kitchen" in client.get(reverse("portal:home")).content.decode()


def test_user_without_company_is_told_what_to_do(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("portal:home"))
    assert response.url == reverse("portal:no_company")
    assert "invite this e-mail address" in client.get(response.url).content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "Enter a limit of 0 or more, or leave it empty for no limit."),
        ("12.345", "Enter the limit with at most 2 decimal places."),
    ],
)
def test_a_wrong_limit_is_named_in_the_error_summary_and_under_the_field(
    client, company_admin, buyer, company, typed, message
):
    membership = Membership.objects.get(user=buyer, company=company)
    client.force_login(company_admin)

    for url, data in (
        (reverse("accounts:member_edit", args=[membership.pk]), {"role": "buyer", "spending_limit": typed}),
        (reverse("accounts:member_invite"), {"email": "dan@acme.example", "role": "buyer", "spending_limit": typed}),
    ):
        html = client.post(url, data).content.decode()
        assert f'<a href="#id_spending_limit" class="alert-link">Spending limit per order (CNY): {message}</a>' in html
        assert f'<div class="invalid-feedback d-block" id="id_spending_limit_error">{message}</div>' in html
        assert 'aria-invalid="true"' in html
        assert f'value="{typed}"' in html
    membership.refresh_from_db()
    assert membership.spending_limit is None
    assert not Invitation.objects.filter(email="dan@acme.example").exists()
