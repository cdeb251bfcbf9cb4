"""The portal shell: the customer's home, the no-company page, error pages, health."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.access import member_required
from accounts.models import Membership

from .home import home_summary
from .pages.models import HomePage


@member_required
def home(request):
    """The customer's home: one page for every role, with the company's finance seeing the
    credit and the open orders first (portal.home gathers what it shows)."""
    homepage = HomePage.objects.live().first()
    membership = request.membership
    context = {
        "company": membership.company,
        "summary": home_summary(membership),
        "is_finance": membership.role == Membership.Role.FINANCE,
        "announcements": homepage.current_announcements() if homepage else [],
    }
    return render(request, "portal/home.html", context)


@login_required
def no_company(request):
    if request.membership is not None:
        return redirect("portal:home")
    return render(request, "portal/no_company.html")


@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def too_many_requests(request, exception=None):
    return render(request, "429.html", status=429)


def server_error(request):
    # No context processors that touch the database: the database may be why we are here.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
