"""Staff roles are Django groups with permissions, kept in code and synced after migrate.

A staff user's powers are exactly their groups' permissions; `manage.py migrate` (and so every
deployment) brings the groups back in line with this table. Superusers see everything.
"""

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

SALES_REP = "Sales rep"
ORDER_APPROVER = "Order approver"
FINANCE = "Finance"
WAREHOUSE = "Warehouse"
MANAGER = "Manager"
CONTENT_EDITOR = "Content editor"

# Group names are stored in English (they are keys); these are their translated labels.
ROLE_LABELS = {
    SALES_REP: _("Sales rep"),
    ORDER_APPROVER: _("Order approver"),
    FINANCE: _("Finance"),
    WAREHOUSE: _("Warehouse"),
    MANAGER: _("Manager"),
    CONTENT_EDITOR: _("Content editor"),
}

_BACK_OFFICE = ["wagtailadmin.access_admin"]
_SEE_COMPANIES = ["accounts.view_company", "accounts.view_membership", "accounts.view_invitation"]
# Regions and price tiers are named on every customer record: whoever sees customers reads them
# (a rep sees the tier lists too). The manager keeps them (tiers are pricing; see MANAGER).
_SEE_REGIONS_AND_TIERS = ["accounts.view_region", "accounts.view_pricetier"]

# Customers' buying rhythm, churn warnings and RFM segments (portal.rhythm), and the notes of
# calls, visits and messages to them: the sales side (a rep's own customers only).
_CUSTOMER_RHYTHM = ["rhythm.view_customerrhythm", "rhythm.view_visitnote", "rhythm.add_visitnote"]

# Invoices, credit notes, payments, the ledger and the customers' invoice details, read-only.
_SEE_BILLING = [
    "billing.view_invoice",
    "billing.view_payment",
    "billing.view_ledgerentry",
    "billing.view_invoicedetails",
    # Statements (对账) and their disputes; the aging report reads `view_invoice`.
    "billing.view_statement",
    "billing.view_statementdispute",
]

# Service tickets: see them (narrowed to the customers and kinds a role sees) and answer them.
_HANDLE_TICKETS = ["tickets.view_ticket", "tickets.change_ticket"]

STAFF_GROUP_PERMISSIONS: dict[str, list[str]] = {
    # A rep edits their own customers (the queryset is narrowed in accounts.selectors) and
    # invites their users, but not credit limits or terms. Reps see the catalog, prices and
    # stock (with its expiry warnings) to advise their customers.
    SALES_REP: _BACK_OFFICE
    + _SEE_COMPANIES
    + _SEE_REGIONS_AND_TIERS
    + ["accounts.add_company", "accounts.change_company", "accounts.add_invitation"]
    + ["catalog.view_product", "catalog.view_category", "catalog.view_assortment", "catalog.view_pricelist"]
    + ["catalog.view_lot", "catalog.view_warehouse", "catalog.view_location"]
    # Orders of their own customers, and placing orders on a customer's behalf (`add_order`).
    + ["ordering.view_order", "ordering.add_order"]
    # Their own customers' shipments (fulfilment.shipping.shipments_for_staff narrows them).
    + ["fulfilment.view_shipment"]
    # Their own customers' returns, which they approve or refuse (fulfilment.returns narrows them).
    + ["fulfilment.view_returnrequest", "fulfilment.decide_returnrequest"]
    # Their own customers' invoices, payments and aging, to collect (billing narrows them).
    + _SEE_BILLING
    # Service tickets of their own customers, every kind (portal.tickets.selectors narrows them).
    + _HANDLE_TICKETS
    + ["tickets.view_every_kind"]
    + _CUSTOMER_RHYTHM
    # The stock dashboard (their customers' buying only) and short-dated offers to their customers.
    + ["catalog.view_stock_dashboard"]
    + [f"catalog.{action}_shortdatedoffer" for action in ("view", "add", "change")]
    # The sales dashboard of their own customers (portal.dashboards narrows it).
    + ["dashboards.view_sales_dashboard"],
    ORDER_APPROVER: _BACK_OFFICE
    + _SEE_COMPANIES
    + _SEE_REGIONS_AND_TIERS
    + ["accounts.view_all_companies"]
    + ["catalog.view_product", "catalog.view_category", "catalog.view_assortment", "catalog.view_pricelist"]
    + ["catalog.view_lot", "catalog.view_warehouse", "catalog.view_location"]
    + ["ordering.view_order", "ordering.view_approvalrule", "fulfilment.view_shipment"]
    # The sales director decides returns too (for every customer).
    + ["fulfilment.view_returnrequest", "fulfilment.decide_returnrequest"]
    + _CUSTOMER_RHYTHM,
    FINANCE: _BACK_OFFICE
    + _SEE_COMPANIES
    + _SEE_REGIONS_AND_TIERS
    + [
        "accounts.view_all_companies",
        "accounts.change_company",
        "accounts.change_credit_terms",
    ]
    + ["catalog.view_product", "catalog.view_category", "catalog.view_assortment", "catalog.view_pricelist"]
    + ["catalog.view_lot", "catalog.view_warehouse", "catalog.view_location"]
    # Finance releases credit holds (ordering.services checks `accounts.change_credit_terms`).
    + ["ordering.view_order", "ordering.view_approvalrule"]
    + ["fulfilment.view_shipment"]
    # Finance reads returns (the credit notes they lead to).
    + ["fulfilment.view_returnrequest"]
    # Billing: finance issues invoices and credit notes (`add_invoice`), records the tax invoice
    # (发票, `change_invoice`), records and allocates payments and refunds them (`add_payment`,
    # `change_payment`), keeps customers' invoice details and reads the ledger.
    + _SEE_BILLING
    + ["billing.add_invoice", "billing.change_invoice", "billing.add_payment", "billing.change_payment"]
    + ["billing.change_invoicedetails"]
    # Finance answers statement disputes (a credit note, a correction or an explanation) and
    # states a customer's account for any period by hand (`add_statement`).
    + ["billing.change_statementdispute", "billing.add_statement"]
    # Finance sets when overdue invoices are reminded (Settings → "Overdue reminders").
    + ["billing.change_reminderpolicy"]
    # Statement-dispute tickets (answered through the disputes above).
    + _HANDLE_TICKETS
    + ["tickets.handle_billing_tickets"]
    + ["dashboards.view_sales_dashboard"],
    # The warehouse books stock in and out (receipts, adjustments, write-offs are all stock
    # movements: `add_stockmove`), sees products and lots, and keeps its own warehouses and
    # locations; it does not see prices.
    # It allocates every customer's orders (backorders, quality holds, re-allocation:
    # `change_allocation`), so it sees every customer's orders in those screens.
    WAREHOUSE: _BACK_OFFICE
    # Every customer's orders and shipments reach the warehouse (a lot's receivers, to recall
    # it); still no prices or credit.
    + ["accounts.view_all_companies"]
    + ["catalog.view_product", "catalog.view_category"]
    + ["catalog.view_lot", "catalog.add_stockmove", "catalog.change_allocation"]
    + ["accounts.view_all_companies"]
    + ["catalog.view_warehouse", "catalog.add_warehouse", "catalog.change_warehouse"]
    + ["catalog.view_location", "catalog.add_location", "catalog.change_location"]
    # Shipping: every customer's picked goods leave through the warehouse (it ships and confirms
    # deliveries), so it sees every customer's shipments; still no prices or credit.
    + ["accounts.view_all_companies"]
    + ["fulfilment.view_shipment", "fulfilment.add_shipment", "fulfilment.change_shipment"]
    # Fulfilment: the warehouse queue and pick lists (create them, confirm picks).
    + ["fulfilment.view_picklist", "fulfilment.add_picklist", "fulfilment.change_pickline"]
    # A recall puts a lot on quality hold and tells its receivers (fulfilment.trace).
    + ["fulfilment.recall_lot"]
    # Returns: the warehouse receives the goods back (into their lot, or written off); no prices.
    + ["fulfilment.view_returnrequest", "fulfilment.receive_returnrequest"]
    # Tickets about goods (quality, missing item, temperature) of every customer; not late
    # deliveries, questions or disputes (portal.tickets.selectors).
    + _HANDLE_TICKETS
    + ["tickets.handle_goods_tickets"]
    # The stock dashboard, without values at cost (it does not see prices).
    + ["catalog.view_stock_dashboard"],
    # The manager reads everything and is the catalog manager: products, categories,
    # assortments and price lists (with their entries); stock moves stay with the warehouse.
    MANAGER: _BACK_OFFICE
    + _SEE_COMPANIES
    + _SEE_REGIONS_AND_TIERS
    + ["accounts.view_all_companies"]
    # The manager also keeps the regions and price tiers (the names customers read, in both languages).
    + [f"accounts.{action}_{model}" for model in ("region", "pricetier") for action in ("add", "change", "delete")]
    + [
        f"catalog.{action}_{model}"
        for model in ("product", "category", "assortment", "pricelist", "pricelistentry")
        for action in ("view", "add", "change", "delete")
    ]
    + ["catalog.view_lot", "catalog.view_warehouse", "catalog.view_location"]
    # The manager keeps the approval rules (which orders wait for whom).
    + ["ordering.view_order"]
    + [f"ordering.{action}_approvalrule" for action in ("view", "add", "change", "delete")]
    + ["fulfilment.view_shipment"]
    # The manager reads the warehouse queue and pick lists; picking stays with the warehouse.
    + ["fulfilment.view_picklist"]
    + ["fulfilment.recall_lot"]
    + ["fulfilment.view_returnrequest"]
    + _SEE_BILLING
    # Every ticket: assigns, answers, and keeps the service targets (Settings → "Service targets").
    + _HANDLE_TICKETS
    + ["tickets.view_every_kind", "tickets.view_servicetarget", "tickets.change_servicetarget"]
    + _CUSTOMER_RHYTHM
    # The stock dashboard and short-dated offers to any customer.
    + ["catalog.view_stock_dashboard"]
    + [f"catalog.{action}_shortdatedoffer" for action in ("view", "add", "change")]
    + ["dashboards.view_sales_dashboard"],
    CONTENT_EDITOR: _BACK_OFFICE
    + [
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.choose_document",
    ],
}


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def sync_staff_groups() -> None:
    for name, dotted_permissions in STAFF_GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set([_permission(dotted) for dotted in dotted_permissions])
    _grant_content_editor_pages()


def _grant_content_editor_pages() -> None:
    """Content editors edit and publish every page under the site root."""
    from wagtail.models import GroupPagePermission, Page

    root = Page.get_first_root_node()
    if root is None:
        return
    group = Group.objects.get(name=CONTENT_EDITOR)
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=root,
            permission=Permission.objects.get(codename=codename, content_type__app_label="wagtailcore"),
        )


def sync_staff_groups_after_migrate(sender, **kwargs) -> None:
    # Wagtail's and our permissions must all exist; post_migrate for the last app guarantees it
    # only if we check that the tables are there.
    from django.db import connection

    if "wagtailcore_grouppagepermission" not in connection.introspection.table_names():
        return
    sync_staff_groups()


def staff_roles(user) -> list[str]:
    return [group.name for group in user.groups.all()]
