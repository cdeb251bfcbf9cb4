"""What billing does when the apps below it say something happened."""

from django.dispatch import receiver

from ordering.fulfilment.signals import shipment_shipped

from .tasks import invoice_shipment


@receiver(shipment_shipped, dispatch_uid="billing.invoice_shipment")
def invoice_what_shipped(sender, shipment_id: int, **kwargs) -> None:
    invoice_shipment.enqueue(shipment_id=shipment_id)
