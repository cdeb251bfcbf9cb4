"""Reads about tickets: which tickets a staff user sees, who handles them, what a company may
open a ticket about.

Staff scope (accounts.roles): the manager and sales reps see every kind (a rep only their own
customers', through `companies_for_staff`); the warehouse sees the tickets about goods (quality,
missing item, temperature: what it picks, ships, holds and takes back) of every customer, never
one about money; finance sees statement disputes (it answers them in billing). DOMAIN.md: the
warehouse sees stock and orders to fulfil, not prices or credit, so a late delivery (the rep's
conversation with the customer) and a technical question stay with sales.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from accounts.selectors import companies_for_staff, sees_all_companies
from billing.models import Invoice
from catalog.models import Lot
from ordering.fulfilment.models import Shipment, ShipmentLine
from ordering.models import Order, OrderLine

from .models import Ticket, TicketKind

VIEW_TICKETS = "tickets.view_ticket"
HANDLE_TICKETS = "tickets.change_ticket"
EVERY_KIND = "tickets.view_every_kind"
# A role that sees only some kinds holds one of these (the warehouse, finance).
KINDS_BY_PERMISSION = {
    "tickets.handle_goods_tickets": (TicketKind.QUALITY, TicketKind.MISSING_ITEM, TicketKind.TEMPERATURE),
    "tickets.handle_billing_tickets": (TicketKind.STATEMENT_DISPUTE,),
}


def kinds_for_staff(user) -> list[str]:
    if user.has_perm(EVERY_KIND):
        return list(TicketKind.values)
    return [kind for permission, kinds in KINDS_BY_PERMISSION.items() if user.has_perm(permission) for kind in kinds]


def tickets_for_staff(user) -> QuerySet[Ticket]:
    """The tickets this staff user may see: their kinds, of the customers they see."""
    if not user.has_perm(VIEW_TICKETS):
        return Ticket.objects.none()
    tickets = Ticket.objects.filter(kind__in=kinds_for_staff(user))
    if not sees_all_companies(user):
        tickets = tickets.filter(company__in=companies_for_staff(user).values("pk"))
    return tickets


def may_handle(user, ticket: Ticket) -> bool:
    return user.has_perm(HANDLE_TICKETS) and tickets_for_staff(user).filter(pk=ticket.pk).exists()


def _holders(permission: str) -> QuerySet:
    app_label, codename = permission.split(".")
    found = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions=found) | Q(user_permissions=found))
        .distinct()
        .order_by("email")
    )


def ticket_handlers(*, kind: str | None = None, company=None) -> list:
    """Active staff who may handle tickets (of `kind`, of `company`): the assignee choices, and
    who hears of a new ticket of a company without a sales rep."""
    handlers = []
    for user in _holders(HANDLE_TICKETS):
        if kind is not None and kind not in kinds_for_staff(user):
            continue
        if company is not None and not sees_all_companies(user) and company.sales_rep_id != user.pk:
            continue
        handlers.append(user)
    return handlers


def first_to_hear(ticket: Ticket) -> list:
    """Who hears of a new ticket: the company's sales rep, or, without one, the staff who handle
    its kind for every customer (a rep holds the permission for their own customers only)."""
    company = ticket.company
    if company.sales_rep_id and company.sales_rep.is_active:
        return [company.sales_rep]
    return [user for user in ticket_handlers(kind=ticket.kind) if sees_all_companies(user)]


# --- What a company may open a ticket about ------------------------------------------------------


def lots_received_by(company) -> QuerySet[Lot]:
    """The lots shipped to the company's orders."""
    shipped = ShipmentLine.objects.filter(shipment__order__company=company).values("lot_id")
    return Lot.objects.filter(pk__in=shipped).select_related("product")


def company_orders(company) -> QuerySet[Order]:
    return Order.objects.filter(company=company)


def company_order_lines(company) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(order__company=company).select_related("order")


def company_shipments(company) -> QuerySet[Shipment]:
    return Shipment.objects.filter(order__company=company).select_related("order")


def company_invoices(company) -> QuerySet[Invoice]:
    return Invoice.objects.filter(company=company, kind=Invoice.Kind.INVOICE)
