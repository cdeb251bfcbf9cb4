"""What fulfilment tells the apps above it (billing invoices what shipped)."""

from django.dispatch import Signal

# shipment_id: int; sent on commit by `fulfilment.shipping.ship` for a shipment leaving now
# (not for history written with notify=False).
shipment_shipped = Signal()
