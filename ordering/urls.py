from django.urls import path

from . import tracking_views, views

app_name = "ordering"

urlpatterns = [
    # Cart, quick order, upload, saved lists, checkout (ordering/views.py)
    path("cart/", views.cart_view, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/lines/<int:product_id>/", views.cart_line, name="cart_line"),
    path("quick-order/", views.quick_order_view, name="quick_order"),
    path("quick-order/upload/", views.quick_order_upload, name="quick_order_upload"),
    path("quick-order/upload/sample.csv", views.quick_order_sample, {"fmt": "csv"}, name="quick_order_sample_csv"),
    path("quick-order/upload/sample.xlsx", views.quick_order_sample, {"fmt": "xlsx"}, name="quick_order_sample_xlsx"),
    path("saved-lists/", views.saved_list_index, name="saved_lists"),
    path("saved-lists/new/", views.saved_list_create, name="saved_list_create"),
    path("saved-lists/<int:list_id>/", views.saved_list_detail, name="saved_list"),
    path("saved-lists/<int:list_id>/add-to-cart/", views.saved_list_add_to_cart, name="saved_list_add_to_cart"),
    path("saved-lists/<int:list_id>/rename/", views.saved_list_rename, name="saved_list_rename"),
    path("saved-lists/<int:list_id>/delete/", views.saved_list_delete, name="saved_list_delete"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/<str:number>/reorder/", views.reorder, name="reorder"),
    # Orders, tracking, customer approvals (ordering/tracking_views.py)
    path("orders/", tracking_views.order_list, name="order_list"),
    path("orders/<str:number>/", tracking_views.order_detail, name="order_detail"),
    path("orders/<str:number>/cancel/", tracking_views.order_cancel, name="order_cancel"),
    path("orders/<str:number>/approve/", tracking_views.order_approve, name="order_approve"),
    path("orders/<str:number>/reject/", tracking_views.order_reject, name="order_reject"),
    path("approvals/", tracking_views.approvals, name="approvals"),
]
