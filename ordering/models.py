"""Carts, orders and what happens to them.

An order copies what it needs at the moment it is placed (prices and their sources, names, the
ship-to address) so later changes to the catalog or the company never alter it. Its state
changes only through ordering.states, which records each change as an OrderEvent.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES, Address, Company
from catalog import catch_weight
from catalog.models import Product
from catalog.pricing import price_list_label
from kit.languages import in_active_language


class Cart(models.Model):
    """One cart per person and company."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="carts")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="carts")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="one_cart_per_user_and_company")]

    def __str__(self):
        return f"{self.user} @ {self.company}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    # What the buyer saw when adding, to point out a price that changed since.
    unit_price_when_added = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="one_cart_line_per_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.product_id} × {self.quantity}"


class SavedList(models.Model):
    """An order list a company's users share ("Monday restock")."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="saved_lists")
    name = models.CharField(_("name"), max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved order list")
        verbose_name_plural = _("saved order lists")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="one_saved_list_name_per_company")]

    def __str__(self):
        return self.name


class SavedListLine(models.Model):
    saved_list = models.ForeignKey(SavedList, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["saved_list", "product"], name="one_saved_line_per_product")]

    def __str__(self):
        return f"{self.product_id} × {self.quantity}"


class OrderState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    AWAITING_CUSTOMER_APPROVAL = "awaiting_customer_approval", _("Awaiting your approver")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    CREDIT_HOLD = "credit_hold", _("On credit hold")
    APPROVED = "approved", _("Confirmed")
    PICKING = "picking", _("Being picked")
    PARTLY_SHIPPED = "partly_shipped", _("Partly shipped")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class OrderNumberSequence(models.Model):
    """The last order number used in a year; locked while numbering, so numbers have no gaps."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class Order(models.Model):
    company = models.ForeignKey(Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(_("order number"), max_length=20, unique=True)
    state = models.CharField(_("status"), max_length=30, choices=OrderState.choices, default=OrderState.SUBMITTED)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("placed by"), on_delete=models.PROTECT, related_name="orders_placed"
    )
    # A sales rep placing the order for the customer (recorded as such).
    placed_for_customer_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed on the customer's behalf by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders_placed_for_customers",
    )
    po_number = models.CharField(_("PO number"), max_length=50, blank=True)
    ship_to = models.ForeignKey(
        Address, verbose_name=_("ship to"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ship_to_text = models.TextField(_("ship-to address"))
    requested_delivery_date = models.DateField(_("requested delivery date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    subtotal = models.DecimalField(_("subtotal"), max_digits=14, decimal_places=2)
    tax_total = models.DecimalField(_("tax"), max_digits=14, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    # Why finance holds the order, as kit.phrases (code and parameters, ordering.phrases),
    # put into words when read: the buyer's wording for the buyer, staff wording for staff.
    hold_reasons = models.JSONField(default=list, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4)
    placed_at = models.DateTimeField(_("placed"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-pk"]
        constraints = [
            # A double click or a retry of the same checkout finds the order instead of placing another.
            models.UniqueConstraint(fields=["company", "idempotency_key"], name="one_order_per_checkout"),
            # (No check that total = subtotal + tax: SQLite, used by `make run`, would compare the
            # decimals as floats and refuse correct orders. ordering.services computes all three.)
        ]
        indexes = [
            models.Index(fields=["company", "-placed_at"]),
            # A state's orders, oldest first (the home page's approval and credit-hold panels read
            # the first few in this order); also every filter on state alone.
            models.Index(fields=["state", "placed_at"], name="order_state_placed"),
        ]

    def __str__(self):
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(_("SKU"), max_length=40)
    name_en = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    sales_unit = models.CharField(max_length=10)
    quantity = models.PositiveIntegerField(_("ordered"))
    allocated_quantity = models.PositiveIntegerField(_("allocated"), default=0)
    backorder_quantity = models.PositiveIntegerField(_("backordered"), default=0)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    price_source = models.CharField(_("price source"), max_length=10)
    price_list_id = models.BigIntegerField(null=True)
    # The name of the list that set the price, as it was then ("2026 master agreement"), in
    # both languages so the line reads in the reader's.
    price_list_name = models.CharField(_("price list"), max_length=100, blank=True)
    price_list_name_zh = models.CharField(_("price list (Chinese)"), max_length=100, blank=True)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2)
    line_total = models.DecimalField(_("line total"), max_digits=14, decimal_places=2)
    tax_amount = models.DecimalField(_("tax"), max_digits=14, decimal_places=2)
    # Catch weight, as the product was when ordered: `unit_price` is then the price per kg and
    # `line_total` the estimate (quantity × nominal kg × price per kg; catalog.catch_weight).
    catch_weight = models.BooleanField(_("charged by weight"), default=False)
    nominal_weight_kg = models.DecimalField(
        _("nominal weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    weight_tolerance_percent = models.DecimalField(
        _("weight tolerance (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity=F("allocated_quantity") + F("backorder_quantity")),
                name="order_line_allocated_plus_backorder",
            ),
        ]

    def __str__(self):
        return f"{self.sku} × {self.quantity}"

    @property
    def estimated_weight_kg(self) -> Decimal | None:
        """What the ordered quantity should weigh, for a line charged by weight."""
        if not self.catch_weight:
            return None
        return catch_weight.estimated_weight_kg(nominal_weight_kg=self.nominal_weight_kg, quantity=self.quantity)

    @property
    def price_list_label(self) -> str:
        return price_list_label(self.price_source, in_active_language(self.price_list_name, self.price_list_name_zh))

    @property
    def name(self):
        return in_active_language(self.name_en, self.name_zh)


class OrderEvent(models.Model):
    """Who moved the order, when, from which state to which, and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    from_state = models.CharField(max_length=30, choices=OrderState.choices, blank=True)
    to_state = models.CharField(max_length=30, choices=OrderState.choices)
    # Why the system moved the order (a rule, a hold, a spending limit), as a kit.phrases phrase.
    phrase = models.JSONField(default=dict, blank=True)
    # A person's own words (a rejection, a cancellation, finance's release comment), verbatim.
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.order_id}: {self.from_state} → {self.to_state}"


class ApprovalRule(models.Model):
    class Condition(models.TextChoices):
        TOTAL_AT_LEAST = "total_at_least", _("Order total at least")
        OVER_CREDIT = "over_credit", _("Over available credit")
        FIRST_ORDER = "first_order", _("The company's first order")
        RESTRICTED_PRODUCT = "restricted_product", _("Contains a restricted product")
        BELOW_FLOOR = "below_floor", _("A line priced below the floor")

    name = models.CharField(_("name"), max_length=100)
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "For 'order total at least': the total. For 'below the floor': the floor as a "
            "percentage of the list price (e.g. 85)."
        ),
    )
    approver_group = models.ForeignKey(Group, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+")
    step = models.PositiveSmallIntegerField(_("step"), default=1, help_text=_("Lower steps decide first."))
    decide_within_hours = models.PositiveSmallIntegerField(_("decide within (hours)"), default=24)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        app_label = "ordering"
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")
        ordering = ["step", "pk"]

    def __str__(self):
        return self.name


class ApprovalStep(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        VOID = "void", _("Void")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="approval_steps")
    rule = models.ForeignKey(ApprovalRule, on_delete=models.PROTECT, null=True, related_name="+")
    # Customer-side approval by the company's approver has no group: any approver of the company.
    approver_group = models.ForeignKey(Group, on_delete=models.PROTECT, null=True, related_name="+")
    customer_side = models.BooleanField(default=False)
    sequence = models.PositiveSmallIntegerField()
    # Why the step exists, as a kit.phrases phrase (ordering.phrases), put into words when read.
    phrase = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    due_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "ordering"
        ordering = ["sequence", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(status="pending"), name="one_pending_step_per_order"
            )
        ]

    def __str__(self):
        return f"{self.order_id} #{self.sequence} {self.status}"
