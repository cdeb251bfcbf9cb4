"""The warehouse's back office for fulfilment (Wagtail admin at /backoffice/fulfilment/).

- Warehouse queue (`queue.WarehouseQueueView`, "fulfilment_admin:queue"): approved orders to
  pick (tick one or several and create a pick list), lists being picked, lists picked and not
  shipped, shipments that left today.
- Pick list (`picking.PickListView`, "fulfilment_admin:pick_list"): one card per pick in
  walking order, confirmed by scanning or typing the lot ("fulfilment_admin:confirm_pick").
- `shipping`: ship what was picked, confirm deliveries, the shipments list ("fulfilment_shipping").
- `documents`: delivery notes and printed pick lists ("fulfilment_documents").
- `trace`: a lot's receivers (CSV, XLSX, print) and its recall; an order's lots; expiring lots
  with the orders holding them ("fulfilment_trace").

Permissions (accounts.roles): `fulfilment.view_picklist` opens them, `fulfilment.add_picklist`
creates lists, `fulfilment.change_pickline` starts and confirms picks. The warehouse sees every
customer's orders here (it picks them all) and no prices.
"""

from django.urls import path

from .common import CONFIRM_PICKS, CREATE_PICK_LISTS, FULFILMENT_MENU_HOOK, VIEW_PICK_LISTS
from .picking import ConfirmPickView, PickListView, StartPickingView
from .queue import CreatePickListView, WarehouseQueueView

urlpatterns = [
    # --- picking (helper "pick") ---
    path("", WarehouseQueueView.as_view(), name="queue"),
    path("pick-lists/new/", CreatePickListView.as_view(), name="create_pick_list"),
    path("pick-lists/<int:pk>/", PickListView.as_view(), name="pick_list"),
    path("pick-lists/<int:pk>/start/", StartPickingView.as_view(), name="start_picking"),
    path("pick-lists/<int:pk>/picks/<int:line_pk>/", ConfirmPickView.as_view(), name="confirm_pick"),
    # --- end of picking ---
]

__all__ = ["CONFIRM_PICKS", "CREATE_PICK_LISTS", "FULFILMENT_MENU_HOOK", "VIEW_PICK_LISTS", "urlpatterns"]
