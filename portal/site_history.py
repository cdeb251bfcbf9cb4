"""Wagtail's site history report (/backoffice/reports/site-history/), without the customers a staff
user does not see.

Wagtail lists every log entry of a model to anyone holding a permission on that model. A sales
rep holds `accounts.view_company` and `catalog.view_pricelist`, so the report would name every
customer edited lately, and their contract lists and assortments, whoever their rep. For staff
who do not see every customer, entries of a customer's records outside their sight are left out,
with the reads the back-office screens use. portal/urls.py serves this view at Wagtail's URL.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.models import ModelLogEntry

from accounts.models import Company
from accounts.selectors import companies_for_staff, sees_all_companies
from catalog.models import Assortment, PriceList
from catalog.selectors import assortments_for_staff, price_lists_for_staff

# Records that belong to a customer, with the read of those a staff user may see.
CUSTOMER_RECORDS = {
    Company: companies_for_staff,
    PriceList: price_lists_for_staff,
    Assortment: assortments_for_staff,
}


def without_unseen_customers(log_entries, user):
    """Log entries (of `ModelLogEntry`) less those of customers' records the user does not see."""
    if sees_all_companies(user):
        return log_entries
    for model, visible_to in CUSTOMER_RECORDS.items():
        # A log entry names its object by a text id; a deleted object is out of sight too.
        seen = visible_to(user).annotate(text_pk=Cast("pk", CharField())).values("text_pk")
        content_type = ContentType.objects.get_for_model(model)
        log_entries = log_entries.exclude(Q(content_type=content_type) & ~Q(object_id__in=seen))
    return log_entries


class SiteHistoryView(LogEntriesView):
    def filter_queryset(self, queryset):
        # Called once for each kind of log entry (pages', models'), before they are combined.
        queryset = super().filter_queryset(queryset)
        if queryset.model is ModelLogEntry:
            queryset = without_unseen_customers(queryset, self.request.user)
        return queryset


def _admin_view(view):
    return never_cache(require_admin_access(view))


site_history = _admin_view(SiteHistoryView.as_view())
site_history_results = _admin_view(SiteHistoryView.as_view(results_only=True))
