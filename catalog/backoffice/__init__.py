"""The staff back office for the catalog and stock (Wagtail admin at /backoffice/), one module per
family of screens:

- `products` (and the product chooser), `categories` (a tree), `assortments`, `price_lists`:
  `ModelViewSet`s in the Catalog menu;
- `warehouses` (warehouses and locations) and the stock screens: `stock_moves` (receive, adjust,
  write off: they write only through catalog.services) and `stock_views` (a product's stock,
  stock by product, expiry warnings), in the Stock menu;
- `common`: the permissions, the category tree field, the stock screens' base view;
- `menus`: the viewsets and the two menus catalog.wagtail_hooks registers.

Who may do what (groups in accounts.roles): the viewsets follow Wagtail's model permissions
(`view_`, `add_`, `change_`, `delete_`); every stock movement (receipt, adjustment, write-off)
needs `catalog.add_stockmove` (`MOVE_STOCK`), the stock pages and expiry warnings
`catalog.view_lot` (`VIEW_STOCK`). Rows still used elsewhere (a product with lots, a category
with products) are protected by the database; the delete views turn that refusal into a message.
"""

from .common import INLINE_PRICE_LIMIT, LOT_LINKS_HOOK, MOVE_STOCK, STOCK_MENU_HOOK, VIEW_STOCK, product_stock_url
from .menus import (
    assortment_viewset,
    catalog_menu,
    category_viewset,
    location_viewset,
    price_list_viewset,
    product_viewset,
    stock_menu,
    warehouse_viewset,
)
from .products import product_chooser_viewset
from .stock_views import stock_urlpatterns

__all__ = [
    "INLINE_PRICE_LIMIT",
    "LOT_LINKS_HOOK",
    "MOVE_STOCK",
    "STOCK_MENU_HOOK",
    "VIEW_STOCK",
    "assortment_viewset",
    "catalog_menu",
    "category_viewset",
    "location_viewset",
    "price_list_viewset",
    "product_chooser_viewset",
    "product_stock_url",
    "product_viewset",
    "stock_menu",
    "stock_urlpatterns",
    "warehouse_viewset",
]
