"""Products, who may see them, what they cost whom, and the stock that backs them.

Prices are resolved only by catalog.pricing and availability only by catalog.stock; templates and
views never compute either.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from treebeard.mp_tree import MP_Node

from accounts.models import CURRENCY_CHOICES, Company, LicenceKind, PriceTier
from kit.history import HistoricalRecords
from kit.languages import in_active_language, reads_chinese


class TemperatureZone(models.TextChoices):
    FROZEN = "frozen", _("Frozen (−18 °C)")
    CHILLED = "chilled", _("Chilled (0–4 °C)")
    AMBIENT = "ambient", _("Ambient")


class SalesUnit(models.TextChoices):
    CASE = "case", _("case")
    CARTON = "carton", _("carton")
    KG = "kg", _("kg")
    PIECE = "piece", _("piece")
    BAG = "bag", _("bag")
    BOTTLE = "bottle", _("bottle")


class BilingualName(models.Model):
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The name in the language of the request, falling back to English."""
        return in_active_language(self.name_en, self.name_zh)

    @property
    def other_name(self) -> str:
        """The name in the other language, shown beside the first on product cards."""
        if reads_chinese() and self.name_zh:
            return self.name_en
        return self.name_zh


class Category(MP_Node, BilingualName):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_("Only companies with a valid licence on file may order products of this category."),
    )
    licence_kind = models.CharField(
        _("licence required"),
        max_length=100,
        blank=True,
        choices=LicenceKind.choices,
        help_text=_("The licence kind a company needs; empty means any valid licence."),
    )
    expiry_warning_days = models.PositiveSmallIntegerField(
        _("expiry warning (days ahead)"), default=30, validators=[MaxValueValidator(3650)]
    )

    node_order_by = ["name_en"]

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class Product(BilingualName):
    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    description = models.TextField(_("description (English)"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    image = models.ImageField(_("image"), upload_to="products/", blank=True)
    sales_unit = models.CharField(_("sales unit"), max_length=10, choices=SalesUnit.choices, default=SalesUnit.CASE)
    units_per_case = models.PositiveIntegerField(_("units per case"), default=1, validators=[MinValueValidator(1)])
    unit_description = models.CharField(
        _("pack description (English)"), max_length=100, blank=True, help_text=_("For example: 10 × 1 kg bags.")
    )
    unit_description_zh = models.CharField(
        _("pack description (Chinese)"), max_length=100, blank=True, help_text=_("The pack description in Chinese.")
    )
    min_order_quantity = models.PositiveIntegerField(
        _("minimum order quantity"), default=1, validators=[MinValueValidator(1)]
    )
    order_multiple = models.PositiveIntegerField(_("order multiple"), default=1, validators=[MinValueValidator(1)])
    temperature_zone = models.CharField(
        _("temperature zone"), max_length=10, choices=TemperatureZone.choices, default=TemperatureZone.AMBIENT
    )
    shelf_life_days = models.PositiveIntegerField(
        _("shelf life (days)"), default=365, validators=[MinValueValidator(1)]
    )
    lot_tracked = models.BooleanField(_("lot-tracked"), default=True)
    allow_backorder = models.BooleanField(_("backorders allowed"), default=False)
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("13.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    # What one sales unit (for catch weight: one kg) costs the distributor, for gross margin; a
    # lot's own cost, where its receipt recorded one, comes first (`Lot.unit_cost`).
    standard_cost = models.DecimalField(
        _("standard cost"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    # Catch weight (DOMAIN.md): ordered per sales unit, charged per kilogram. The price-list unit
    # price of such a product is its price per kg; catalog/catch_weight.py does the arithmetic.
    catch_weight = models.BooleanField(
        _("charged by weight"),
        default=False,
        help_text=_("Ordered per sales unit but charged per kg: the price-list price is the price per kg."),
    )
    nominal_weight_kg = models.DecimalField(
        _("nominal weight (kg)"),
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("What one sales unit weighs on average; the buyer's estimate is based on it."),
    )
    weight_tolerance_percent = models.DecimalField(
        _("weight tolerance (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("A picked weight further than this from the nominal weight is flagged."),
    )
    active = models.BooleanField(_("active"), default=True)
    # SKU, both names and the names' pinyin, lower-cased: what catalog search matches against.
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=Q(min_order_quantity__gte=1), name="product_moq_positive"),
            models.CheckConstraint(condition=Q(order_multiple__gte=1), name="product_multiple_positive"),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100), name="product_tax_rate_percent"
            ),
            models.CheckConstraint(
                condition=Q(catch_weight=False) | Q(nominal_weight_kg__gt=0), name="product_catch_weight_nominal"
            ),
            models.CheckConstraint(
                condition=Q(weight_tolerance_percent__gte=0) & Q(weight_tolerance_percent__lte=100),
                name="product_weight_tolerance_percent",
            ),
        ]
        indexes = [
            models.Index(fields=["active", "category"]),
            models.Index(fields=["temperature_zone"]),
            # The catalog's default order: a page is a walk along this index, not a sort.
            models.Index(fields=["active", "name_en", "sku"], include=["id"], name="product_active_name_order"),
        ]

    def save(self, *args, **kwargs):
        from .search import search_text_for

        self.search_text = search_text_for(self)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.catch_weight and not self.nominal_weight_kg:
            raise ValidationError(
                {"nominal_weight_kg": _("A product charged by weight needs its nominal weight per sales unit.")}
            )

    @property
    def is_restricted(self) -> bool:
        return self.category.restricted

    @property
    def local_description(self) -> str:
        """The description in the reader's language, falling back to English."""
        return in_active_language(self.description, self.description_zh)

    @property
    def local_unit_description(self) -> str:
        """The pack text in the reader's language, falling back to English."""
        return in_active_language(self.unit_description, self.unit_description_zh)


class Assortment(models.Model):
    """A set of products a company (or every company of a price tier) may see.

    A company with no assortment, directly or through its tier, sees every active product.
    """

    name = models.CharField(_("name"), max_length=100)
    products = models.ManyToManyField(Product, verbose_name=_("products"), related_name="assortments", blank=True)
    companies = models.ManyToManyField(Company, verbose_name=_("companies"), related_name="assortments", blank=True)
    price_tiers = models.ManyToManyField(
        PriceTier, verbose_name=_("price tiers"), related_name="assortments", blank=True
    )

    class Meta:
        verbose_name = _("assortment")
        verbose_name_plural = _("assortments")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PriceList(ClusterableModel):
    class Kind(models.TextChoices):
        CONTRACT = "contract", _("Contract")
        TIER = "tier", _("Tier")
        DEFAULT = "default", _("List")

    name = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="price_lists",
        null=True,
        blank=True,
    )
    # PROTECT: deleting a tier must not take its price list and prices with it.
    price_tier = models.ForeignKey(
        PriceTier,
        verbose_name=_("price tier"),
        on_delete=models.PROTECT,
        related_name="price_lists",
        null=True,
        blank=True,
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="CNY")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are tried first within the same kind.")
    )
    active = models.BooleanField(_("active"), default=True)
    # The audit trail (who, when, before and after), shown on the price list's back-office pages.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["kind", "priority", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="contract", company__isnull=False, price_tier__isnull=True)
                    | Q(kind="tier", company__isnull=True, price_tier__isnull=False)
                    | Q(kind="default", company__isnull=True, price_tier__isnull=True)
                ),
                name="price_list_owner_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="price_list_valid_window",
            ),
        ]

    def __str__(self):
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the reader's language, falling back to English."""
        return in_active_language(self.name, self.name_zh)


class PriceListEntry(models.Model):
    price_list = ParentalKey(PriceList, on_delete=models.CASCADE, related_name="entries")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="+")
    min_quantity = models.PositiveIntegerField(_("from quantity"), default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        _("unit price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    # The audit trail. Imports write entries in bulk, which sends no signals: catalog.imports.commit
    # records their history itself.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["product__sku", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product", "min_quantity"], name="one_price_per_break"),
            models.CheckConstraint(condition=Q(min_quantity__gte=1), name="price_break_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="price_not_negative"),
        ]
        indexes = [models.Index(fields=["product", "price_list"])]

    def __str__(self):
        return f"{self.product.sku} ≥{self.min_quantity}: {self.unit_price}"


class Warehouse(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Location(models.Model):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations")
    code = models.CharField(_("code"), max_length=30)
    zone = models.CharField(_("temperature zone"), max_length=10, choices=TemperatureZone.choices)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["warehouse__code", "code"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="one_location_code_per_warehouse")]

    def __str__(self):
        return f"{self.warehouse.code}/{self.code}"


class Lot(models.Model):
    """A batch of one product with its dates.

    `on_hand` (every location) and `allocated` (held by open orders) are kept consistent with
    the ledger by catalog.stock under row locks; the constraints make overselling impossible
    even for code that forgets the lock.
    """

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="lots")
    number = models.CharField(_("lot number"), max_length=60)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"))
    on_hand = models.IntegerField(_("on hand"), default=0)
    allocated = models.IntegerField(_("allocated"), default=0)
    # A quality hold (damage, a failed check, a recall): the lot's free stock is not sellable and
    # its allocations wait to be moved to other lots (catalog.allocation's hold verbs).
    held_at = models.DateTimeField(_("on quality hold since"), null=True, blank=True)
    hold_reason = models.CharField(_("quality hold reason"), max_length=200, blank=True)
    # What one unit of this lot cost (purchase price), in the distributor's currency; blank when
    # the receipt did not say, and the product's standard cost stands in.
    unit_cost = models.DecimalField(
        _("unit cost"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["expiry_date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="one_lot_number_per_product"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="lot_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=F("on_hand")), name="lot_allocated_within_on_hand"
            ),
        ]
        indexes = [
            # A product's lots by expiry, with what the free-stock sums read (allocation, availability,
            # the low-stock panel's sum per product): PostgreSQL answers those from the index alone.
            models.Index(
                fields=["product", "expiry_date"],
                name="lot_product_expiry",
                include=["on_hand", "allocated", "held_at"],
            ),
            # The lots in stock by expiry: the near-expiry warnings read the soonest first.
            models.Index(fields=["expiry_date"], condition=Q(on_hand__gt=0), name="lot_in_stock_expiry"),
        ]

    def __str__(self):
        return f"{self.product.sku} {self.number}"


class StockLevel(models.Model):
    """How much of a lot lies at a location; the sum over locations is the lot's on_hand."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="levels")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="levels")
    quantity = models.IntegerField(_("quantity"), default=0)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["lot", "location"], name="one_level_per_lot_and_location"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_level_not_negative"),
        ]

    def __str__(self):
        return f"{self.lot} @ {self.location}: {self.quantity}"


class StockMove(models.Model):
    """One line of the stock ledger; never edited, a mistake is corrected by another move."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        ADJUSTMENT = "adjustment", _("Adjustment")
        WRITE_OFF = "write_off", _("Write-off")
        PICK = "pick", _("Pick")
        SHIPMENT = "shipment", _("Shipment")
        RETURN = "return", _("Return")
        TRANSFER = "transfer", _("Transfer")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="moves")
    location = models.ForeignKey(Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="moves")
    quantity = models.IntegerField(_("quantity"), help_text=_("Positive into stock, negative out of it."))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="stock_move_not_zero")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.lot} {self.quantity:+d}"


class Allocation(models.Model):
    """Stock of a lot held for an order line until it ships or the order is cancelled.

    Filled by ordering; `order_line_id` names ordering.OrderLine without a foreign key so that
    catalog does not depend on ordering.
    """

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="allocations")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    order_line_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    # A re-allocation by hand (catalog.allocation.reallocate) releases the allocation with who
    # and why, and the allocations that take its place name it: allocations do not change what
    # is on hand, so they are their own ledger rather than stock movements.
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    release_reason = models.CharField(_("reason"), max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self", verbose_name=_("replaces"), on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_positive")]

    def __str__(self):
        return f"{self.lot} × {self.quantity}"


class ShortDatedOffer(models.Model):
    """A price for named lots of one product, until a date, for named customers (catalog.offers
    applies it; catalog.short_dated makes and ends it).

    The price is per sales unit in `currency`; it applies to at most the lots' free quantity,
    and the lines it prices take their stock from those lots (catalog.allocation.pick's
    `preferred_lots`). After `valid_until`, once `ended_at` is set or the lots are gone, the
    customer's usual price applies again."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    lots = models.ManyToManyField(Lot, verbose_name=_("lots"), related_name="short_dated_offers")
    companies = models.ManyToManyField(Company, verbose_name=_("customers"), related_name="short_dated_offers")
    unit_price = models.DecimalField(
        _("offer price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="CNY")
    valid_until = models.DateField(_("valid until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("short-dated offer")
        verbose_name_plural = _("short-dated offers")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(unit_price__gt=0), name="short_dated_offer_price_positive")]
        # The stock dashboard (portal.dashboards.stock): turnover, slow movers, expiring lots.
        permissions = [("view_stock_dashboard", _("Can see the stock dashboard"))]
        indexes = [models.Index(fields=["valid_until"], condition=Q(ended_at__isnull=True), name="open_short_offers")]

    def __str__(self):
        return f"{self.product.sku} {self.unit_price} {self.currency} → {self.valid_until}"


class ShippedMonth(models.Model):
    """A rollup: units of a product shipped in a calendar month (local time), kept by
    catalog.services._move for every shipment move, rebuilt by
    `catalog.shipped.rebuild_shipped_months` after bulk history (the demo, the benchmarks). The
    stock dashboard reads it instead of the stock ledger."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    quantity = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("units shipped in a month")
        verbose_name_plural = _("units shipped by month")
        constraints = [models.UniqueConstraint(fields=["product", "month"], name="one_shipped_month_per_product")]
        indexes = [models.Index(fields=["month", "product"])]

    def __str__(self):
        return f"{self.product_id} {self.month:%Y-%m} {self.quantity}"
