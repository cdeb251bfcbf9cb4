from django.conf import settings
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts.language import set_language

from . import site_history, views

BACK_OFFICE = settings.TRADECOUNTER_BACK_OFFICE_PREFIX.strip("/") + "/"

urlpatterns = [
    # Django's language switch, remembering the choice for the person's e-mails.
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("portal/", include("portal.customer_urls")),
    path("portal/", include("accounts.urls")),
    path("portal/catalog/", include("catalog.urls")),
    path("portal/", include("ordering.urls")),
    path("portal/", include("ordering.fulfilment.urls")),
    path("portal/billing/", include("billing.urls")),
    path("portal/tickets/", include("portal.tickets.urls")),
    path("portal/", include("portal.rhythm.urls")),
    # Everyone signs in through allauth, which asks staff for their second factor; Wagtail's own
    # login form would skip it, so its URL sends people to ours.
    path(
        BACK_OFFICE + "login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="backoffice_login",
    ),
    # Wagtail's site history, less the customers the user does not see (a rep: other reps').
    path(BACK_OFFICE + "reports/site-history/", site_history.site_history),
    path(BACK_OFFICE + "reports/site-history/results/", site_history.site_history_results),
    path(BACK_OFFICE, include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("healthz", views.healthz, name="healthz"),
]

if settings.DEBUG or settings.TRADECOUNTER_SERVE_MEDIA:
    # Uploaded files, for `make run` (production's web server serves MEDIA_ROOT itself).
    from django.views.static import serve

    urlpatterns += [
        re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

# Wagtail serves the public pages; it must come last.
urlpatterns += [path("", include(wagtail_urls))]

handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
# allauth answers its rate limits with this (too many sign-in attempts, resets, ...).
handler429 = "portal.views.too_many_requests"
