"""Fulfilment's printed documents, all rendered through `kit.pdf`.

- The delivery note of a shipment: rendered once, in the language of the person who placed the
  order, and stored on `Shipment.delivery_note` (it never changes: what left the warehouse left).
  `store_delivery_note(shipment)` renders it unless it is stored; `render_delivery_note` is the
  same as a background task, enqueued after the shipment commits; `delivery_note_file(shipment)`
  is what a download serves.
- The pick list of a wave, for printing: grouped by temperature zone in walking order (ambient
  first, frozen last), then by location; rendered on demand in the reader's language.
"""

from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.utils import translation
from django_tasks import task

from catalog.models import TemperatureZone
from kit.pdf import StaticOnlyFetcher, render_pdf_template, store_once

from .models import ZONE_WALK, PickList, Shipment

DELIVERY_NOTE_TEMPLATE = "fulfilment/pdf/delivery_note.html"
PICK_LIST_TEMPLATE = "fulfilment/pdf/pick_list.html"


def distributor() -> dict:
    return {"name": settings.TRADECOUNTER_DISTRIBUTOR_NAME, "address": settings.TRADECOUNTER_DISTRIBUTOR_ADDRESS}


# --- Delivery note ----------------------------------------------------------------------------


def delivery_note_language(shipment: Shipment) -> str:
    """The customer's language: that of the person who placed the order."""
    return shipment.order.placed_by.language or settings.LANGUAGE_CODE


def _shipment_for_note(shipment_id: int) -> Shipment:
    return Shipment.objects.select_related("order__company", "order__placed_by").get(pk=shipment_id)


def _delivery_note_lines(shipment: Shipment) -> list:
    return list(
        shipment.lines.select_related("order_line__product", "lot").order_by("order_line_id", "lot__expiry_date", "pk")
    )


def delivery_note_pdf(shipment: Shipment, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The delivery note's PDF, in the customer's language (not stored: see store_delivery_note)."""
    order = shipment.order
    lines = _delivery_note_lines(shipment)
    weights = [line.weight_kg for line in lines if line.weight_kg is not None]
    with translation.override(delivery_note_language(shipment)):
        context = {
            "shipment": shipment,
            "order": order,
            "company": order.company,
            "distributor": distributor(),
            "lines": lines,
            "total_quantity": sum(line.quantity for line in lines),
            "total_weight": sum(weights) if weights else None,
            "language": translation.get_language(),
        }
        return render_pdf_template(DELIVERY_NOTE_TEMPLATE, context, fetcher=fetcher)


def delivery_note_name(shipment: Shipment) -> str:
    return f"{shipment.number}.pdf"


def store_delivery_note(shipment: Shipment) -> FieldFile:
    """The shipment's stored delivery note, rendered and saved first if it has none yet (once:
    see `kit.pdf.store_once`)."""
    return store_once(shipment, "delivery_note", delivery_note_name(shipment), lambda: delivery_note_pdf(shipment))


@task()
def render_delivery_note(shipment_id: int) -> None:
    """Render and store a shipment's delivery note in the background (after the shipment commits)."""
    store_delivery_note(_shipment_for_note(shipment_id))


# --- Pick list --------------------------------------------------------------------------------


@dataclass
class ZoneGroup:
    zone: str
    label: str
    lines: list


def pick_list_zones(pick_list: PickList) -> list[ZoneGroup]:
    """The pick list's lines by temperature zone in walking order, then by location."""
    lines = sorted(
        pick_list.lines.select_related("order_line__order__company", "lot", "location"),
        key=lambda line: (ZONE_WALK.get(line.zone, len(ZONE_WALK)), line.location.code, line.sequence, line.pk),
    )
    return [
        ZoneGroup(zone=zone, label=str(TemperatureZone(zone).label), lines=list(group))
        for zone, group in groupby(lines, key=lambda line: line.zone)
    ]


def pick_list_pdf(pick_list: PickList, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The printable pick list, in the active language (the warehouse reader's)."""
    pick_list = PickList.objects.select_related("warehouse").get(pk=pick_list.pk)
    zones = pick_list_zones(pick_list)
    context = {
        "pick_list": pick_list,
        "zones": zones,
        "orders": sorted({line.order_line.order for zone in zones for line in zone.lines}, key=lambda o: o.number),
        "distributor": distributor(),
        "language": translation.get_language(),
    }
    return render_pdf_template(PICK_LIST_TEMPLATE, context, fetcher=fetcher)
