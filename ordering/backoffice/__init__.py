"""The staff back office for orders (Wagtail admin at /backoffice/orders/).

Orders menu (`orders_menu`, registered in ordering.wagtail_hooks):
- Approvals (`ApprovalQueueView`, "ordering_admin:approval_queue"): one card per order waiting
  for the viewer's decision, made for a phone: why it waits, the customer's credit, how long it
  has waited; approve or reject with a comment (finance: release or reject a credit hold).
- Orders (`OrderViewSet`): the list with filters and search, and each order's page (the
  viewset's inspect view): lines with price and source, lots with expiry, totals, hold reasons,
  approval steps and the timeline. Read-only: an order changes only through ordering.services.
- Place an order for a customer ("ordering_admin:place_for_customer"): a sales rep fills a cart
  of their own for one of their customers (Cart(user=rep, company=customer), so the customer's
  own cart is not touched) and places it as one of the customer's users.
- Approval rules (`ApprovalRuleViewSet`): which orders wait for whom, kept by the manager.

Who sees what (groups in accounts.roles):
- every order query starts from `orders_for_staff`, narrowed by `accounts.selectors.
  companies_for_staff`: a sales rep gets 404 for another rep's customer's order;
- `ordering.view_order` opens the orders and the queue; `ordering.add_order` places orders for
  customers; decisions are checked again by the services (the step's group, finance's
  `accounts.change_credit_terms`, nobody deciding an order they placed).

Each page loads what it shows in a fixed number of queries, whatever the number of orders, lines
or events (see tests/ordering/test_backoffice.py).
"""

from .approvals import ApprovalsMenuItem, waiting_for_viewer
from .common import ORDERS_MENU_HOOK, PLACE_FOR_CUSTOMERS, VIEW_ORDERS, OrderPermissionPolicy
from .customer_360 import company_orders_section
from .menus import orders_menu, urlpatterns

__all__ = [
    "ORDERS_MENU_HOOK",
    "PLACE_FOR_CUSTOMERS",
    "VIEW_ORDERS",
    "ApprovalsMenuItem",
    "waiting_for_viewer",
    "OrderPermissionPolicy",
    "company_orders_section",
    "orders_menu",
    "urlpatterns",
]
