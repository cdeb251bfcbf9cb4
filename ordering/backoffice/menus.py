"""The Orders menu, its viewsets and the admin URLs (namespace \"ordering_admin\")."""

from django.urls import path
from django.utils.translation import gettext_lazy
from wagtail.admin.viewsets.model import ModelViewSetGroup

from .approvals import ApprovalQueueView, DecideView
from .common import ORDERS_MENU_HOOK
from .orders import OrderViewSet
from .place_for_customer import AddLineView, ChooseCustomerView, PlaceForCustomerView, RemoveLineView
from .rules import ApprovalRuleViewSet

order_viewset = OrderViewSet("orders")
approval_rule_viewset = ApprovalRuleViewSet("approval-rules")


class OrdersMenu(ModelViewSetGroup):
    """The queue and "place an order" (from `ORDERS_MENU_HOOK`), the orders, the rules."""

    menu_label = gettext_lazy("Orders")
    menu_name = "orders"
    menu_icon = "list-ul"
    menu_order = 140
    submenu_hook = ORDERS_MENU_HOOK
    items = (order_viewset, approval_rule_viewset)


orders_menu = OrdersMenu()


# --- URLs of the admin views (namespace "ordering_admin", under /backoffice/orders/) ----------

urlpatterns = [
    path("approvals/", ApprovalQueueView.as_view(), name="approval_queue"),
    path("approvals/<int:order_id>/decide/", DecideView.as_view(), name="decide"),
    path("place/", ChooseCustomerView.as_view(), name="place_for_customer"),
    path("place/<int:company_id>/", PlaceForCustomerView.as_view(), name="place_cart"),
    path("place/<int:company_id>/lines/", AddLineView.as_view(), name="place_add_line"),
    path("place/<int:company_id>/lines/<int:product_id>/remove/", RemoveLineView.as_view(), name="place_remove_line"),
]
