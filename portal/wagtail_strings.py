"""Words Wagtail's back office shows that its Simplified Chinese catalog does not translate
(Wagtail 7.x), listed so that `make messages` keeps them in our catalog: Django reads the
catalogs under LOCALE_PATHS before the apps' own, so ours completes Wagtail's. Nothing calls
this module. Drop an entry once Wagtail ships its translation.

`templates/wagtailadmin/shared/headers/_actions.html` does the same for a label Wagtail's
template writes in English without asking for a translation.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

WAGTAIL_STRINGS = (
    gettext_noop("Edit account avatar"),  # wagtailadmin/shared/avatar.html
    gettext_noop("Sort by '%(label)s' in ascending order."),  # wagtail.admin.ui.tables
    gettext_noop("Sort by '%(label)s' in descending order."),
    gettext_noop("Search all pages…"),  # wagtail.admin.views.home
)

WAGTAIL_PLURALS = (
    # wagtailadmin/home/site_summary_pages.html
    ngettext_lazy(
        '%(total)s Page <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Pages <span class="w-sr-only">created in %(site_name)s</span>',
        "total",
    ),
)
