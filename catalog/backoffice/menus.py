"""The catalog's viewsets and its two menus (Catalog, Stock), registered by catalog.wagtail_hooks."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSetGroup

from .assortments import AssortmentViewSet
from .categories import CategoryViewSet
from .common import STOCK_MENU_HOOK
from .price_lists import PriceListViewSet
from .products import ProductViewSet
from .warehouses import LocationViewSet, WarehouseViewSet

# --- Menus ------------------------------------------------------------------------------------

product_viewset = ProductViewSet("products")
category_viewset = CategoryViewSet("categories")
assortment_viewset = AssortmentViewSet("assortments")
price_list_viewset = PriceListViewSet("price-lists")
warehouse_viewset = WarehouseViewSet("warehouses")
location_viewset = LocationViewSet("locations")


class CatalogMenu(ModelViewSetGroup):
    menu_label = _("Catalog")
    menu_name = "catalog"
    menu_icon = "tag"
    menu_order = 200
    items = (product_viewset, category_viewset, assortment_viewset, price_list_viewset)


class StockMenu(ModelViewSetGroup):
    """The stock admin views (from `STOCK_MENU_HOOK`), then warehouses and locations."""

    menu_label = _("Stock")
    menu_name = "stock"
    menu_icon = "clipboard-list"
    menu_order = 210
    submenu_hook = STOCK_MENU_HOOK
    items = (warehouse_viewset, location_viewset)


catalog_menu = CatalogMenu()
stock_menu = StockMenu()
