"""The tenancy sweep: every customer URL that takes an id, slug or token answers 404 to a
member of another company.

It walks the URL configuration, so a view added later joins it by itself: an id-taking URL of
ours without a case in CASES fails `test_every_id_taking_customer_url_has_a_case`. To add a case,
write a function that creates the object inside `company` (the victim) and returns the URL
kwargs, and name the HTTP method the view answers. A function that needs fixtures takes them
after the company and the case names them (`fixtures=("place_order",)`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Company, Membership, Notification
from billing.models import Payment, Statement
from catalog.models import Assortment, Lot, Product
from ordering.fulfilment.models import ReturnLine, ReturnRequest, Shipment, ShipmentLine
from ordering.models import OrderState, SavedList, SavedListLine
from portal.tickets.models import Ticket
from tests.factories import InvitationFactory, MembershipFactory, ProductFactory, StaffFactory

OUR_APPS = ("accounts.", "catalog.", "ordering.", "billing.", "portal.")


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    params: tuple[str, ...]
    module: str


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern):
            params = tuple(entry.pattern.converters) or tuple(entry.pattern.regex.groupindex)
            callback = getattr(entry.callback, "view_class", entry.callback)
            yield Route(
                name=f"{namespace}{entry.name}" if entry.name else "",
                route=prefix + str(entry.pattern),
                params=params,
                module=callback.__module__,
            )


def customer_routes_with_params() -> list[Route]:
    back_office = settings.TRADECOUNTER_BACK_OFFICE_PREFIX.strip("/") + "/"
    return [
        route
        for route in _walk(get_resolver().url_patterns)
        if route.params and route.module.startswith(OUR_APPS) and not route.route.startswith(back_office)
    ]


@dataclass(frozen=True)
class Case:
    method: str
    make_kwargs: Callable[..., dict]
    fixtures: tuple[str, ...] = ()

    def kwargs_for(self, company, request) -> dict:
        return self.make_kwargs(company, **{name: request.getfixturevalue(name) for name in self.fixtures})


def _membership(company):
    return {"membership_id": MembershipFactory(company=company, role=Membership.Role.BUYER).pk}


def _product_only_company_sees(company):
    """A product in an assortment of `company` alone; every other company has an assortment
    without it (a company with no assortment would see every active product)."""
    product = ProductFactory()
    ours = Assortment.objects.create(name=f"{company} range")
    ours.companies.add(company)
    ours.products.add(product)
    theirs = Assortment.objects.create(name="Everyone else's range")
    theirs.companies.set(Company.objects.exclude(pk=company.pk))
    theirs.products.add(ProductFactory())
    return {"sku": product.sku}


def _order_waiting_for_the_approver(company, place_order):
    """An order of `company` placed by one of its buyers, waiting for the company's approver:
    the state in which every order URL (see, cancel, approve, reject) has something to do."""
    return {"number": place_order(company=company, state=OrderState.AWAITING_CUSTOMER_APPROVAL).number}


def _card_payment(company):
    """A pending card payment of `company` (not yet at Stripe: its page calls nobody)."""
    payment = Payment.objects.create(
        company=company, method=Payment.Method.CARD, currency=company.currency, amount=Decimal("10.00")
    )
    return {"pk": payment.pk}


def _notification_of_the_companys_admin(company):
    """Notifications belong to a person, not a company: this one is the victim company's admin's."""
    admin = Membership.objects.filter(company=company, role=Membership.Role.ADMIN).first().user
    return {
        "notification_id": Notification.objects.create(
            user=admin, kind="order_placed", params={"title": {"code": "text", "params": {"text": "Hello"}}}
        ).pk
    }


def _product_id_only_company_sees(company):
    """The same product as for the catalog's detail page, by id: changing its cart line."""
    return {"product_id": Product.objects.get(sku=_product_only_company_sees(company)["sku"]).pk}


def _saved_list(company):
    saved = SavedList.objects.create(company=company, name=f"Monday restock {SavedList.objects.count() + 1}")
    SavedListLine.objects.create(saved_list=saved, product=ProductFactory(), quantity=1)
    return {"list_id": saved.pk}


def _shipment_of_the_companys_order(company, place_order):
    """A shipment of one of `company`'s orders (made from rows: shipping is not the subject)."""
    order = place_order(company=company)
    line = order.lines.get()
    shipment = Shipment.objects.create(
        number=f"SH-{order.number}", order=order, carrier="Van 3", shipped_by=StaffFactory()
    )
    ShipmentLine.objects.create(
        shipment=shipment, order_line=line, lot=Lot.objects.filter(product=line.product).first(), quantity=1
    )
    return {"number": shipment.number}


def _return_of_the_companys_order(company, place_order):
    """A return the company asked for, on a delivered shipment of one of its orders."""
    number = _shipment_of_the_companys_order(company, place_order)["number"]
    shipment = Shipment.objects.get(number=number)
    shipment.state = Shipment.State.DELIVERED
    shipment.save(update_fields=["state"])
    line = shipment.lines.get()
    return_request = ReturnRequest.objects.create(
        number=f"RMA-{shipment.order.number}",
        order=shipment.order,
        company=company,
        requested_by=shipment.order.placed_by,
        reason="damaged",
    )
    ReturnLine.objects.create(
        request=return_request,
        shipment_line=line,
        order_line=line.order_line,
        lot=line.lot,
        quantity=1,
        unit_price=line.order_line.unit_price,
        tax_rate=line.order_line.tax_rate,
    )
    return {"number": return_request.number}


def _delivered_order(company, place_order):
    number = _shipment_of_the_companys_order(company, place_order)["number"]
    shipment = Shipment.objects.get(number=number)
    shipment.state = Shipment.State.DELIVERED
    shipment.save(update_fields=["state"])
    return {"number": shipment.order.number}


def _invoice_of_the_company(company):
    """An invoice of `company` (for a charge, by hand: invoicing is not the subject)."""
    from decimal import Decimal

    from billing.services import invoicing

    invoice = invoicing.invoice_charges(
        company,
        [
            invoicing.ChargeLine(
                name_en="Cold-chain handling", quantity=1, unit_price=Decimal("80.00"), tax_rate=Decimal("6")
            )
        ],
        actor=StaffFactory(),
        render=False,
    )
    return {"number": invoice.number}


def _statement_of(company):
    """A statement of the company (made from a row: generating statements is not the subject)."""
    statement = Statement.objects.create(
        company=company,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        currency=company.currency,
        opening_balance=Decimal("0.00"),
        closing_balance=Decimal("0.00"),
        generated_at=timezone.now(),
    )
    return {"pk": statement.pk}


def _ticket_of(company, place_order):
    """A service ticket of the company about one of its orders, with a photo."""
    from tests.tickets.helpers import make_ticket

    order = place_order(company=company)
    return make_ticket(company, order.placed_by, order=order, photo=True)


def _ticket(company, place_order):
    return {"number": _ticket_of(company, place_order).number}


def _resolved_ticket(company, place_order):
    ticket = _ticket_of(company, place_order)
    Ticket.objects.filter(pk=ticket.pk).update(state=Ticket.State.RESOLVED, resolved_at=timezone.now())
    return {"number": ticket.number}


def _ticket_photo(company, place_order):
    ticket = _ticket_of(company, place_order)
    return {"number": ticket.number, "photo_id": ticket.photos.get().pk}


CASES: dict[str, Case] = {
    "accounts:switch_company": Case("post", lambda company: {"company_id": company.pk}),
    "accounts:member_edit": Case("get", _membership),
    "accounts:member_remove": Case("post", _membership),
    "accounts:invitation_revoke": Case(
        "post", lambda company: {"invitation_id": InvitationFactory(company=company).pk}
    ),
    # The token is a secret for one address: anyone signed in as another address gets 404.
    "accounts:invitation": Case("get", lambda company: {"token": InvitationFactory(company=company).token}),
    "catalog:product_detail": Case("get", _product_only_company_sees),
    "ordering:order_detail": Case("get", _order_waiting_for_the_approver, fixtures=("place_order",)),
    "ordering:order_cancel": Case("post", _order_waiting_for_the_approver, fixtures=("place_order",)),
    "ordering:order_approve": Case("post", _order_waiting_for_the_approver, fixtures=("place_order",)),
    "ordering:order_reject": Case("post", _order_waiting_for_the_approver, fixtures=("place_order",)),
    "accounts:notification_open": Case("get", _notification_of_the_companys_admin),
    "ordering:cart_line": Case("post", _product_id_only_company_sees),
    "ordering:saved_list": Case("get", _saved_list),
    "ordering:saved_list_add_to_cart": Case("post", _saved_list),
    "ordering:saved_list_rename": Case("post", _saved_list),
    "ordering:saved_list_delete": Case("post", _saved_list),
    "ordering:reorder": Case("post", _order_waiting_for_the_approver, fixtures=("place_order",)),
    "fulfilment:delivery_note": Case("get", _shipment_of_the_companys_order, fixtures=("place_order",)),
    "fulfilment:return_new": Case("get", _delivered_order, fixtures=("place_order",)),
    "fulfilment:return_detail": Case("get", _return_of_the_companys_order, fixtures=("place_order",)),
    "billing:invoice_detail": Case("get", _invoice_of_the_company),
    "billing:invoice_pdf": Case("get", _invoice_of_the_company),
    "billing:payment_detail": Case("get", _card_payment),
    "billing:pay_order": Case("post", _order_waiting_for_the_approver, fixtures=("place_order",)),
    # Billing: statements (对账)
    "billing:statement": Case("get", _statement_of),
    "billing:statement_confirm": Case("post", _statement_of),
    "billing:statement_dispute": Case("post", _statement_of),
    "billing:statement_pdf": Case("get", _statement_of),
    # Service tickets (portal.tickets)
    "tickets:ticket": Case("get", _ticket, fixtures=("place_order",)),
    "tickets:ticket_rate": Case("post", _resolved_ticket, fixtures=("place_order",)),
    "tickets:ticket_photo": Case("get", _ticket_photo, fixtures=("place_order",)),
}


def test_the_sweep_finds_our_id_taking_urls():
    names = {route.name for route in customer_routes_with_params()}
    assert {"accounts:member_edit", "accounts:switch_company"} <= names


def test_every_id_taking_customer_url_has_a_case():
    missing = sorted(route.name or route.route for route in customer_routes_with_params() if route.name not in CASES)
    assert missing == [], f"add a tenancy case for: {missing}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_outsider_gets_404(name, client, company, company_admin, outsider, request):
    case = CASES[name]
    url = reverse(name, kwargs=case.kwargs_for(company, request))
    client.force_login(outsider)
    response = getattr(client, case.method)(url)
    assert response.status_code == 404, f"{name} answered {response.status_code} to another company's member"


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_member_of_the_company_is_not_refused(name, client, company, company_admin, request):
    """The same requests from the company's own admin are not 404: the sweep tests scoping,
    not a view that refuses everyone."""
    case = CASES[name]
    kwargs = case.kwargs_for(company, request)
    if name == "accounts:invitation":
        kwargs = {"token": InvitationFactory(company=company, email=company_admin.email).token}
    client.force_login(company_admin)
    response = getattr(client, case.method)(reverse(name, kwargs=kwargs))
    assert response.status_code in (200, 302), f"{name} answered {response.status_code} to the company's admin"
