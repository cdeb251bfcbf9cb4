"""Pick lists and shipments.

A pick list gathers the allocated lines of one or more approved orders (a wave) for one
warehouse; each `PickLine` says which lot to take from which location, in walking order
(ambient first, frozen last, by location). A picker confirms it with the lot they hold; a short
pick records the shortfall. A `Shipment` takes what was picked for one order out of the
warehouse, with the temperature at dispatch for chilled and frozen goods and, later, the
receiver's confirmation and the temperature on arrival.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog import catch_weight
from catalog.models import Location, Lot, TemperatureZone, Warehouse
from ordering.models import Order, OrderLine

# The order a picker walks the zones in: ambient first, frozen last, so cold goods leave the
# freezer last.
ZONE_WALK = {TemperatureZone.AMBIENT: 0, TemperatureZone.CHILLED: 1, TemperatureZone.FROZEN: 2}


class PickList(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("To pick")
        PICKING = "picking", _("Picking")
        DONE = "done", _("Picked")

    number = models.CharField(_("pick list"), max_length=20, unique=True)
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.OPEN)
    orders = models.ManyToManyField(Order, verbose_name=_("orders"), related_name="pick_lists")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("pick list")
        verbose_name_plural = _("pick lists")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.number


# --- Catch weight (helper "catch") --------------------------------------------------------------


def _expected_kg(order_line: OrderLine, quantity: int) -> Decimal | None:
    """What `quantity` units of a line charged by weight should weigh (its nominal weight)."""
    if not order_line.catch_weight or not quantity:
        return None
    return catch_weight.estimated_weight_kg(nominal_weight_kg=order_line.nominal_weight_kg, quantity=quantity)


def _weight_flagged(order_line: OrderLine, quantity: int, weight_kg: Decimal | None) -> bool:
    """A weighed quantity further from its nominal weight than the product's tolerance (as ordered)."""
    expected = _expected_kg(order_line, quantity)
    if expected is None or weight_kg is None:
        return False
    return catch_weight.out_of_tolerance(
        weight_kg=weight_kg, expected_kg=expected, tolerance_percent=order_line.weight_tolerance_percent or Decimal("0")
    )


class PickLine(models.Model):
    """Take `quantity` of `lot` from `location` for `order_line`; confirmed with the lot picked."""

    pick_list = models.ForeignKey(PickList, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="picks")
    allocation_id = models.BigIntegerField()  # catalog.Allocation this pick takes from
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+")
    zone = models.CharField(_("temperature zone"), max_length=10, choices=TemperatureZone.choices)
    sequence = models.PositiveIntegerField(_("walk order"))
    quantity = models.PositiveIntegerField(_("to pick"))
    picked_quantity = models.PositiveIntegerField(_("picked"), null=True, blank=True)
    shortfall = models.PositiveIntegerField(_("short"), default=0)
    # Catch weight: what the picked goods weigh, when the product is charged per kilogram.
    actual_weight_kg = models.DecimalField(
        _("actual weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    picked_at = models.DateTimeField(_("picked at"), null=True, blank=True)
    # The shipment that took what was picked out of the warehouse (none yet: picked, not shipped).
    shipment = models.ForeignKey(
        "Shipment", verbose_name=_("shipment"), on_delete=models.PROTECT, null=True, blank=True, related_name="picks"
    )

    class Meta:
        verbose_name = _("pick")
        verbose_name_plural = _("picks")
        ordering = ["pick_list", "sequence"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pick_quantity_positive"),
            models.CheckConstraint(
                condition=Q(picked_quantity__isnull=True) | Q(picked_quantity__lte=F("quantity")),
                name="pick_no_more_than_allocated",
            ),
        ]

    def __str__(self):
        return f"{self.pick_list} {self.lot} × {self.quantity}"

    @property
    def confirmed(self) -> bool:
        return self.picked_at is not None

    @property
    def expected_weight_kg(self) -> Decimal | None:
        """Catch weight: what the quantity to take should weigh (picked, once confirmed)."""
        return _expected_kg(self.order_line, self.picked_quantity if self.confirmed else self.quantity)

    @property
    def weight_flagged(self) -> bool:
        """Catch weight: the weight recorded lies outside the product's tolerance (accepted, flagged)."""
        return _weight_flagged(self.order_line, self.picked_quantity, self.actual_weight_kg)


class Shipment(models.Model):
    class State(models.TextChoices):
        SHIPPED = "shipped", _("On its way")
        DELIVERED = "delivered", _("Delivered")

    number = models.CharField(_("shipment"), max_length=20, unique=True)
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="shipments")
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.SHIPPED)
    carrier = models.CharField(_("carrier or vehicle"), max_length=100)
    dispatch_temperature = models.DecimalField(
        _("temperature at dispatch (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    shipped_at = models.DateTimeField(_("shipped"), auto_now_add=True)
    shipped_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    received_by = models.CharField(_("received by"), max_length=100, blank=True)
    arrival_temperature = models.DecimalField(
        _("temperature on arrival (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    # A reading outside its zone's range, at dispatch or on arrival: staff look at it.
    temperature_flagged = models.BooleanField(_("temperature out of range"), default=False)
    # Rendered once when the shipment leaves; it never changes.
    delivery_note = models.FileField(_("delivery note"), upload_to="delivery-notes/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-shipped_at", "-pk"]

    def __str__(self):
        return self.number


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="shipment_lines")
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField(_("quantity"))
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True)

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_line_quantity_positive")]

    def __str__(self):
        return f"{self.shipment} {self.lot} × {self.quantity}"

    @property
    def estimated_weight_kg(self) -> Decimal | None:
        """Catch weight: what the shipped quantity should have weighed (the buyer's estimate)."""
        return _expected_kg(self.order_line, self.quantity)

    @property
    def weighed_amount(self) -> Decimal | None:
        """Catch weight: actual kg × the price per kg ordered; what the invoice uses."""
        if not self.order_line.catch_weight or self.weight_kg is None:
            return None
        return catch_weight.weighed_amount(weight_kg=self.weight_kg, price_per_kg=self.order_line.unit_price)

    @property
    def estimated_amount(self) -> Decimal | None:
        expected = self.estimated_weight_kg
        if expected is None:
            return None
        return catch_weight.weighed_amount(weight_kg=expected, price_per_kg=self.order_line.unit_price)

    @property
    def weight_flagged(self) -> bool:
        return _weight_flagged(self.order_line, self.quantity, self.weight_kg)


# Temperatures a reading must stay within, per zone (°C): frozen at or below −18, chilled 0 to 4.
TEMPERATURE_RANGES = {
    TemperatureZone.FROZEN: (None, Decimal("-18.0")),
    TemperatureZone.CHILLED: (Decimal("0.0"), Decimal("4.0")),
}


# --- Recall (helper "trace") ------------------------------------------------------------------


class LotRecall(models.Model):
    """A lot called back: put on quality hold and its receivers told, once (a second recall of the
    same lot finds this row and does nothing)."""

    lot = models.OneToOneField(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    recalled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recalled_at = models.DateTimeField(_("recalled"), auto_now_add=True)
    notified = models.PositiveIntegerField(_("people notified"), default=0)

    class Meta:
        verbose_name = _("lot recall")
        verbose_name_plural = _("lot recalls")
        permissions = [("recall_lot", _("Can recall a lot"))]

    def __str__(self):
        return f"{self.lot} ({self.reason})"


# --- Returns (helper "returns") ----------------------------------------------------------------


class ReturnReason(models.TextChoices):
    """Why a customer sends goods back: a fixed list, stored as its code, read in the reader's
    language ("other" needs the customer's words)."""

    DAMAGED = "damaged", _("Damaged")
    WRONG_PRODUCT = "wrong_product", _("Wrong product")
    TEMPERATURE = "temperature", _("Temperature breach")
    SHORT_DATED = "short_dated", _("Expired or short-dated")
    QUALITY = "quality", _("Quality problem")
    OTHER = "other", _("Other")


def return_photo_path(instance, filename: str) -> str:
    """Where a return's photo is kept: a random name with the extension of the type found by
    reading the file (never the uploader's name)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"return-photos/{uuid.uuid4().hex}.{extension}"


class ReturnRequest(models.Model):
    """A customer's request to send delivered goods back (RMA-000001…): requested, then approved
    or refused by staff; approved goods are received (each line restocked or written off); a
    received return is what billing credits, and closed once it has."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        RECEIVED = "received", _("Received")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("return"), max_length=20, unique=True)
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="returns")
    company = models.ForeignKey(
        "accounts.Company", verbose_name=_("company"), on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.REQUESTED)
    reason = models.CharField(_("reason"), max_length=20, choices=ReturnReason.choices)
    # The customer's own words (required for "other"), verbatim.
    reason_text = models.CharField(_("details"), max_length=500, blank=True)
    photo = models.FileField(_("photo"), upload_to=return_photo_path, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # Staff's words on approving or refusing (required to refuse), verbatim.
    decision_reason = models.CharField(_("decision reason"), max_length=500, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-requested_at", "-pk"]
        permissions = [
            ("decide_returnrequest", _("Can approve or refuse a return")),
            ("receive_returnrequest", _("Can receive returned goods")),
        ]

    def __str__(self):
        return self.number


class ReturnLine(models.Model):
    """What comes back from one shipment line (its lot), at the order line's snapshot price and
    tax rate; on receipt, restocked into its lot at a location or written off."""

    class Outcome(models.TextChoices):
        RESTOCK = "restock", _("Back to stock")
        WRITE_OFF = "write_off", _("Written off")

    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    shipment_line = models.ForeignKey(ShipmentLine, on_delete=models.PROTECT, related_name="return_lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    # Copied from the order line when the return is requested: what billing credits.
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="return_line_quantity_positive")]

    def __str__(self):
        return f"{self.request} {self.lot} × {self.quantity}"
