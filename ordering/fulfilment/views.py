"""The customer's fulfilment screens: downloading a shipment's delivery note."""

from django.http import FileResponse

from accounts.access import get_for_member, member_required
from ordering.models import Order

from .documents import delivery_note_name, store_delivery_note


def delivery_note_response(shipment) -> FileResponse:
    """The stored delivery note as a PDF download (rendered and stored first if missing)."""
    stored = store_delivery_note(shipment)
    return FileResponse(
        stored.open("rb"), content_type="application/pdf", as_attachment=True, filename=delivery_note_name(shipment)
    )


@member_required
def delivery_note(request, number):
    """A shipment of the active company's orders; another company's shipment is 404."""
    order = get_for_member(request, Order.objects.select_related("company", "placed_by"), shipments__number=number)
    shipment = order.shipments.get(number=number)
    shipment.order = order
    return delivery_note_response(shipment)
