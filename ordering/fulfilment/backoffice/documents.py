"""The back office's fulfilment documents (URL namespace "fulfilment_documents"): a shipment's
delivery note and a pick list's printable PDF.

Who sees which (accounts.roles): `fulfilment.view_shipment` opens the delivery notes of the
customers the user sees (`accounts.selectors.companies_for_staff`: the warehouse and the roles
that see every customer, a sales rep only their own customers'); `fulfilment.view_picklist`
opens the pick lists whose orders all belong to customers the user sees. Another rep's
customer's shipment is 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from accounts.selectors import companies_for_staff, sees_all_companies
from ordering.models import Order

from ..documents import pick_list_pdf
from ..models import PickList
from ..shipping import shipments_for_staff
from ..views import delivery_note_response
from .common import VIEW_PICK_LISTS
from .shipping import VIEW_SHIPMENTS


def pick_lists_for_staff(user) -> QuerySet[PickList]:
    """Pick lists of the user's customers only: none holding an order of a customer they do not see."""
    pick_lists = PickList.objects.all()
    if sees_all_companies(user):
        return pick_lists
    return pick_lists.exclude(orders__in=Order.objects.exclude(company__in=companies_for_staff(user)))


def delivery_note(request, number):
    if not request.user.has_perm(VIEW_SHIPMENTS):
        raise PermissionDenied
    shipment = get_object_or_404(
        shipments_for_staff(request.user).select_related("order__company", "order__placed_by"), number=number
    )
    return delivery_note_response(shipment)


def pick_list(request, number):
    if not request.user.has_perm(VIEW_PICK_LISTS):
        raise PermissionDenied
    found = get_object_or_404(pick_lists_for_staff(request.user), number=number)
    response = HttpResponse(pick_list_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.number}.pdf"'
    return response


urlpatterns = [
    path("shipments/<str:number>/delivery-note.pdf", delivery_note, name="delivery_note"),
    path("pick-lists/<str:number>.pdf", pick_list, name="pick_list_pdf"),
]
