from django.urls import reverse


def test_buyer_sees_their_company_on_home(client, buyer, company):
    client.force_login(buyer)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert company.display_name in response.content.decode()
