"""Back-office pieces every app's Wagtail screens share: CSV exports Excel opens safely, a listing's
title column with its buttons, delete views that refuse politely, sidebar items for one
permission and the sidebar's live figures, the error summary at the top of a form, and a select
for thousands of choices."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.forms.utils import flatatt
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem as SidebarMenuItem
from wagtail.admin.ui.tables import ButtonsColumnMixin, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from .spreadsheets import neutralise


class CsvForExcelMixin:
    """CSV exports that Excel opens safely: text a spreadsheet would run as a formula is
    neutralised (Wagtail already writes XLSX cells as text), and a byte order mark makes Excel
    read the UTF-8, so Chinese names survive."""

    custom_value_preprocess = {
        **SpreadsheetExportMixin.custom_value_preprocess,
        str: {SpreadsheetExportMixin.FORMAT_CSV: neutralise},
    }

    def stream_csv(self, queryset):
        yield "\ufeff"
        yield from super().stream_csv(queryset)


class ListingTitleColumn(ButtonsColumnMixin, TitleColumn):
    """A listing's first column: a link, with the row's action buttons."""

    def __init__(self, name, *, get_buttons, **kwargs):
        super().__init__(name, **kwargs)
        self._get_buttons = get_buttons

    def get_buttons(self, instance, parent_context):
        return self._get_buttons(instance)


class ProtectedDeleteView(generic.DeleteView):
    """Deleting a row that other rows still need is refused with a message, not a 500 nor
    Wagtail's bare permission denial (which it answers when its reference index already knows
    of a protecting row)."""

    protected_message = _("%(object)s is still in use and cannot be deleted.")

    def form_valid(self, form):
        if self.usage and self.usage.is_protected:
            return self._refuse()
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except (ProtectedError, RestrictedError):
            return self._refuse()

    def _refuse(self):
        messages.error(self.request, self.protected_message % {"object": self.object})
        return redirect(reverse(self.index_url_name))


# The sidebar is kept per person for this long (portal/templatetags/backoffice_chrome.py) ...
SIDEBAR_SECONDS = 60
# ... under the values of these: `function(request)` for each figure a sidebar item shows (a
# count in its label), registered by the app that draws it with `sidebar_badge`.
sidebar_badges: list = []


def sidebar_badge(function):
    """Register `function(request) -> value` as a figure the sidebar shows: a new value draws the
    sidebar anew. Memoise it on the request if the item's `render_component` reads it too."""
    sidebar_badges.append(function)
    return function


class PermissionMenuItem(SidebarMenuItem):
    """A sidebar item shown only to holders of one permission."""

    def __init__(self, label, url, *, permission, **kwargs):
        super().__init__(label, url, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


def form_error_summary(form, line: int | None = None) -> list[tuple[str, str]]:
    """(field id, message) for each error of a form, as the error summary lists them."""
    summary = []
    for name, errors in form.errors.items():
        field = form[name] if name in form.fields else None
        for error in errors:
            if field is not None:
                target, message = field.id_for_label, f"{field.label}: {error}"
            else:
                target, message = (f"line-{line}" if line else ""), str(error)
            if line is not None:
                message = _("Line %(line)s, %(error)s") % {"line": line, "error": message}
            summary.append((target, message))
    return summary


class PermissionTemplateMixin(WagtailAdminTemplateMixin):
    """Admin chrome and one permission (`permission`) for a back-office screen that is not a
    viewset view: the stock screens, the approval queue, placing orders for a customer."""

    permission = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]


class LongSelect(forms.Select):
    """A select for hundreds or thousands of choices (every customer of a distributor), drawn in
    Python: Django's Select renders one template per option, which costs about a millisecond
    each. The HTML is the same: a <select> of <option>s with the chosen one selected."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], mark_safe(" selected") if option["selected"] else "", option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(widget["attrs"]), options)
