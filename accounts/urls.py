from django.urls import path

from . import notification_views, views

app_name = "accounts"

urlpatterns = [
    path("companies/<int:company_id>/switch/", views.switch_company_view, name="switch_company"),
    path("company/users/", views.member_list, name="members"),
    path("company/users/invite/", views.member_invite, name="member_invite"),
    path("company/users/<int:membership_id>/", views.member_edit, name="member_edit"),
    path("company/users/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("company/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/read/", notification_views.notifications_mark_all_read, name="notifications_mark_all_read"),
    path("notifications/settings/", notification_views.notification_settings, name="notification_settings"),
    path("notifications/<int:notification_id>/", notification_views.notification_open, name="notification_open"),
]
