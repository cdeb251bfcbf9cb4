"""The signed-in person, their memberships and their unread count come from the cache on every
page; a change to any of them takes effect on the next request, as it would without the cache."""

from django.urls import reverse

HOME = "portal:home"


def test_a_deactivated_person_is_signed_out_at_once(client, buyer):
    client.force_login(buyer)
    assert client.get(reverse(HOME)).status_code == 200

    buyer.is_active = False
    buyer.save()

    response = client.get(reverse(HOME))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_a_new_password_signs_out_every_other_session(client, buyer):
    client.force_login(buyer)
    assert client.get(reverse(HOME)).status_code == 200

    buyer.set_password("a-brand-new-password-42")
    buyer.save()

    response = client.get(reverse(HOME))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_a_new_role_shows_at_once(client, buyer):
    membership = buyer.memberships.get()
    client.force_login(buyer)
    assert reverse("accounts:members") not in client.get(reverse(HOME)).content.decode()

    membership.role = membership.Role.ADMIN
    membership.save()

    assert reverse("accounts:members") in client.get(reverse(HOME)).content.decode()
