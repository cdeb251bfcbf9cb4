"""People and the companies they buy for.

A `Company` is one of the distributor's customers; a `Membership` joins a `User` to a company
with a role. One person can belong to several companies and switches the active one (the
choice lives in the session, see accounts.access). Staff are users with `is_staff` whose
powers come from groups (accounts.roles).
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from kit import phrases
from kit.history import HistoricalRecords
from kit.languages import in_active_language

CURRENCY_CHOICES = [("CNY", "CNY ¥"), ("HKD", "HKD HK$"), ("USD", "USD $")]


class UserManager(DjangoUserManager):
    """Users sign in with their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    # The language the person last chose in the portal: their e-mails are written in it.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name() or self.email


class Region(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self):
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the reader's language, falling back to English."""
        return in_active_language(self.name, self.name_zh)


class PriceTier(models.Model):
    """A group of companies that share a tier price list (A/B/C or the distributor's own)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("price tier")
        verbose_name_plural = _("price tiers")
        ordering = ["code"]

    def __str__(self):
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the reader's language, falling back to English."""
        return in_active_language(self.name, self.name_zh)


class Company(ClusterableModel):
    """A customer of the distributor; addresses, contacts and licences are edited with it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    class TermsKind(models.TextChoices):
        NET = "net", _("Net days after invoice")
        END_OF_MONTH = "eom", _("End of month plus days")

    class Invoicing(models.TextChoices):
        PER_SHIPMENT = "shipment", _("An invoice per shipment")
        MONTHLY = "monthly", _("One invoice a month (月结)")

    legal_name = models.CharField(_("legal name"), max_length=200)
    display_name = models.CharField(_("display name"), max_length=100)
    tax_number = models.CharField(_("tax number"), max_length=40, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="companies")
    sales_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sales rep"),
        on_delete=models.PROTECT,
        related_name="customers",
        null=True,
        blank=True,
        limit_choices_to={"is_staff": True},
    )
    price_tier = models.ForeignKey(
        PriceTier,
        verbose_name=_("price tier"),
        on_delete=models.PROTECT,
        related_name="companies",
        null=True,
        blank=True,
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="CNY")
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("0 means the company prepays by card at checkout."),
    )
    payment_terms_kind = models.CharField(
        _("payment terms"), max_length=3, choices=TermsKind.choices, default=TermsKind.NET
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment term days"), default=30, validators=[MaxValueValidator(365)]
    )
    invoicing = models.CharField(
        _("invoicing"), max_length=10, choices=Invoicing.choices, default=Invoicing.PER_SHIPMENT
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace days"),
        default=0,
        validators=[MaxValueValidator(90)],
        help_text=_("Days an invoice may be overdue before new orders go on credit hold."),
    )
    min_shelf_life_percent = models.PositiveSmallIntegerField(
        _("minimum remaining shelf life (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    notes = models.TextField(_("internal notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The audit trail: every save keeps who, when and the row as it was (credit limit, terms...),
    # shown on the company's back-office pages (kit.history).
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["display_name"]
        permissions = [
            ("change_credit_terms", _("Can set credit limits and payment terms")),
            ("view_all_companies", _("Can see every customer, not only their own")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="company_credit_limit_not_negative"),
            models.CheckConstraint(
                condition=Q(min_shelf_life_percent__lte=100), name="company_shelf_life_percent_max_100"
            ),
        ]

    @property
    def prepaid(self) -> bool:
        """No credit line: the company pays before its orders are confirmed."""
        return self.credit_limit == 0

    def __str__(self):
        return self.display_name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def payment_terms_display(self) -> str:
        if self.payment_terms_kind == self.TermsKind.END_OF_MONTH:
            return _("End of month + %(days)s days") % {"days": self.payment_terms_days}
        return _("Net %(days)s days") % {"days": self.payment_terms_days}


class Address(models.Model):
    class Kind(models.TextChoices):
        BILLING = "billing", _("Billing")
        SHIPPING = "shipping", _("Shipping")

    company = ParentalKey(Company, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=100, blank=True)
    recipient = models.CharField(_("recipient"), max_length=100, blank=True)
    line1 = models.CharField(_("address"), max_length=200)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CN")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["kind", "-is_default", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind"],
                condition=Q(is_default=True),
                name="one_default_address_per_kind",
            )
        ]

    def __str__(self):
        parts = [self.label, self.line1, self.line2, self.city, self.postcode]
        return ", ".join(part for part in parts if part)


class Contact(models.Model):
    """A person at the company the distributor talks to, with or without a portal login."""

    company = ParentalKey(Company, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]

    def __str__(self):
        return self.name


class LicenceKind(models.TextChoices):
    """The licences a distributor asks for; a restricted category names one of them."""

    VETERINARY_DRUG = "veterinary_drug", _("Veterinary drug trading licence")
    FOOD_BUSINESS = "food_business", _("Food business licence")
    COLD_CHAIN = "cold_chain", _("Cold chain food licence")
    LIQUOR = "liquor", _("Liquor wholesale licence")
    OTHER = "other", _("Other licence")

    @classmethod
    def label_of(cls, value: str) -> str:
        """The translated label of a stored kind; a value outside the set is shown as it is."""
        return str(cls(value).label) if value in cls.values else value


class Licence(models.Model):
    """A licence on file (e.g. to buy prescription veterinary drugs), valid until it expires."""

    company = ParentalKey(Company, on_delete=models.CASCADE, related_name="licences")
    kind = models.CharField(_("licence kind"), max_length=100, choices=LicenceKind.choices)
    number = models.CharField(_("licence number"), max_length=60)
    expires_on = models.DateField(_("expires on"))
    document = models.FileField(_("document"), upload_to="licences/", blank=True)

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["expires_on"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def is_valid_on(self, day) -> bool:
        return self.expires_on >= day


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Company admin")
        BUYER = "buyer", _("Buyer")
        APPROVER = "approver", _("Approver")
        FINANCE = "finance", _("Finance")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.BUYER)
    spending_limit = models.DecimalField(
        _("spending limit per order"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Orders above this wait for the company's approver. Empty means no limit."),
    )
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["company__display_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="one_membership_per_user_and_company"),
            models.CheckConstraint(
                condition=Q(spending_limit__isnull=True) | Q(spending_limit__gte=0),
                name="membership_spending_limit_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.company} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timedelta(days=14)


class Invitation(models.Model):
    """An e-mailed invitation to join a company; the link proves the address."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices)
    spending_limit = models.DecimalField(
        _("spending limit per order"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    language = models.CharField(_("language of the e-mail"), max_length=10, choices=settings.LANGUAGES, default="en")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_company_and_email",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.company}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class CreditAccount(models.Model):
    """The running parts of a company's credit exposure, one row per company.

    Exposure = open_invoices (unpaid balance of issued invoices, kept by billing)
             + approved_uninvoiced (approved orders not yet invoiced, kept by ordering).
    Order placement and approval lock this row (select_for_update) so that two orders can never
    both fit into the same available credit.
    """

    company = models.OneToOneField(Company, on_delete=models.CASCADE, primary_key=True, related_name="credit_account")
    approved_uninvoiced = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    open_invoices = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    # The due date of the oldest unpaid invoice (kept by billing); None when nothing is unpaid.
    oldest_unpaid_due_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("credit account")
        verbose_name_plural = _("credit accounts")
        constraints = [
            models.CheckConstraint(condition=Q(approved_uninvoiced__gte=0), name="credit_uninvoiced_not_negative"),
        ]

    def __str__(self):
        return f"{self.company}: {self.exposure}"

    @property
    def exposure(self) -> Decimal:
        return self.open_invoices + self.approved_uninvoiced

    def available(self, credit_limit: Decimal) -> Decimal:
        return credit_limit - self.exposure

    def overdue_beyond_grace(self, *, grace_days: int, today) -> bool:
        return (
            self.oldest_unpaid_due_date is not None and self.oldest_unpaid_due_date + timedelta(days=grace_days) < today
        )


class NotificationKind(models.TextChoices):
    ORDER_PLACED = "order_placed", _("Order placed")
    APPROVAL_NEEDED = "approval_needed", _("Approval needed")
    ORDER_APPROVED = "order_approved", _("Order confirmed")
    ORDER_REJECTED = "order_rejected", _("Order rejected")
    CREDIT_HOLD = "credit_hold", _("Credit hold")
    ORDER_SHIPPED = "order_shipped", _("Order shipped")
    APPROVAL_REMINDER = "approval_reminder", _("Approval reminder")
    LOT_RECALL = "lot_recall", _("Lot recall")
    RETURN_APPROVED = "return_approved", _("Return approved")
    RETURN_REFUSED = "return_refused", _("Return refused")
    STATEMENT_ISSUED = "statement_issued", _("Statement issued")
    STATEMENT_DISPUTE_RESOLVED = "statement_dispute_resolved", _("Statement dispute answered")
    INVOICE_OVERDUE = "invoice_overdue", _("Invoice overdue")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    STATEMENT_DISPUTED = "statement_disputed", _("Statement disputed")
    PAYMENT_MISMATCH = "payment_mismatch", _("Card payment needs checking")
    TICKET_OPENED = "ticket_opened", _("Service ticket opened")
    TICKET_UPDATED = "ticket_updated", _("Service ticket updated")
    TICKET_BREACHED = "ticket_breached", _("Service ticket overdue")
    CUSTOMER_LATE = "customer_late", _("Customer ordering late")
    SHORT_DATED_OFFER = "short_dated_offer", _("Short-dated offer")
    REP_MESSAGE = "rep_message", _("Message from your sales rep")


class Notification(models.Model):
    """One message to one person, shown in the portal's bell and, if they want, e-mailed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # The customer company it is about; none for staff notifications (read in staff wording).
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    # What the title and body say, as kit.phrases parameters of the kind's codes (registered by
    # the app that sends it): put into words when read, in the reader's language.
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title

    @property
    def audience(self) -> str:
        return phrases.STAFF if self.company_id is None else phrases.CUSTOMER

    def _part(self, part: str) -> str:
        # Rows written before codes keep their old text as a phrase under "title" / "body".
        stored = self.params.get(part) if isinstance(self.params.get(part), dict) else None
        return phrases.render(
            stored or phrases.phrase(notification_code(self.kind, part), **self.params), audience=self.audience
        )

    @property
    def title(self) -> str:
        return self._part("title")

    @property
    def body(self) -> str:
        return self._part("body")


def notification_code(kind: str, part: str) -> str:
    """The kit.phrases code of a notification's "title" or "body", registered by its sender."""
    return f"notification.{kind}.{part}"


class NotificationPreference(models.Model):
    """A person's choice for one kind; no row means both channels on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    email = models.BooleanField(_("e-mail"), default=True)
    in_app = models.BooleanField(_("in the portal"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_user_and_kind")]

    def __str__(self):
        return f"{self.user} {self.kind}"
