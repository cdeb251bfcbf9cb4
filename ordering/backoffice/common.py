"""What every order screen shares: who sees which orders, the permission policy, the page mixin."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from wagtail.permission_policies import ModelPermissionPolicy

from accounts import roles
from accounts.models import Company, CreditAccount
from accounts.selectors import companies_for_staff
from kit.backoffice import PermissionTemplateMixin

from ..models import Order, OrderState
from ..selectors import orders_for_staff

S = OrderState

VIEW_ORDERS = "ordering.view_order"
PLACE_FOR_CUSTOMERS = "ordering.add_order"
# ordering.services.release_credit_hold checks the same permission.
RELEASE_CREDIT_HOLDS = "accounts.change_credit_terms"

# Sub-items of the Orders menu come from this hook (the queue and "place an order" register theirs).
ORDERS_MENU_HOOK = "register_orders_menu_item"

# States in which an order is still on its way (the 360° page counts them by state).
OPEN_STATES = [
    S.SUBMITTED,
    S.AWAITING_CUSTOMER_APPROVAL,
    S.AWAITING_APPROVAL,
    S.CREDIT_HOLD,
    S.APPROVED,
    S.PICKING,
    S.PARTLY_SHIPPED,
    S.SHIPPED,
]
WAITING_STATES = {S.AWAITING_CUSTOMER_APPROVAL, S.AWAITING_APPROVAL, S.CREDIT_HOLD}
RECENT_ORDERS_ON_360 = 10
CARDS_PER_PAGE = 20


def _role_label(group: Group) -> str:
    return str(roles.ROLE_LABELS.get(group.name, group.name))


def _credit_account(company: Company) -> CreditAccount | None:
    try:
        return company.credit_account
    except ObjectDoesNotExist:
        return None


def _placed_by(order: Order) -> str:
    if order.placed_for_customer_by_id:
        return _("%(customer)s (by %(rep)s)") % {"customer": order.placed_by, "rep": order.placed_for_customer_by}
    return str(order.placed_by)


# --- Permissions ------------------------------------------------------------------------------


class OrderPermissionPolicy(ModelPermissionPolicy):
    """Staff with `ordering.view_order` read the orders of the customers they may see.

    Nobody adds, changes or deletes an order through Wagtail's generic views: orders are placed
    and decided through ordering.services (placing for a customer has its own screen, checked
    with `ordering.add_order`).
    """

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return (
            self.user_has_permission(user, action) and companies_for_staff(user).filter(pk=instance.company_id).exists()
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return "view" in actions and self.user_has_permission_for_instance(user, "view", instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return Order.objects.none()
        return orders_for_staff(user)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


class BackOfficeViewMixin(PermissionTemplateMixin):
    """Admin chrome and one permission for the order screens that are not viewset views."""

    permission = VIEW_ORDERS
    header_icon = "list-ul"
