"""What the fulfilment screens share: permissions, the menu hook, the page mixin."""

from kit.backoffice import PermissionTemplateMixin

# The warehouse (accounts.roles) holds all three; the manager reads.
VIEW_PICK_LISTS = "fulfilment.view_picklist"
CREATE_PICK_LISTS = "fulfilment.add_picklist"
CONFIRM_PICKS = "fulfilment.change_pickline"

# Sub-items of the Warehouse menu come from this hook.
FULFILMENT_MENU_HOOK = "register_fulfilment_menu_item"


class FulfilmentViewMixin(PermissionTemplateMixin):
    permission = VIEW_PICK_LISTS
    header_icon = "list-ul"
