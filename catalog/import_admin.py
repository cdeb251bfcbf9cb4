"""The back office's import and export screens (/backoffice/imports/).

Staff upload a CSV or XLSX file of products, price-list entries or stock receipts; the preview
lists every problem (row, column, reason) or shows what would change; the commit writes all rows
or none. Downloads: a template per kind, and exports of products and of a price list.

Each view checks the permission of its kind with `request.user.has_perm`, calls catalog.imports,
and answers. A denial raises PermissionDenied, which Wagtail turns into a redirect to the admin
home with a message. Price lists are read through `catalog.selectors.price_lists_for_staff`: a
sales rep lists, exports and imports into only the tier and default lists and their own
customers' contract lists; another rep's customer's list id answers 404. The uploaded rows wait
for their commit in a server-side file named by a random token; the token must also be in this
user's session, and the commit reads only that file, never data posted back by the browser.

catalog.wagtail_hooks imports this module (`from . import import_admin`) so the hooks register.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, re_path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from kit.spreadsheets import SheetLayout

from .imports import (
    FORMATS,
    KINDS,
    PRICES,
    PRODUCTS,
    RECEIPTS,
    Download,
    ImportOptions,
    ImportRejected,
    Preview,
    SpreadsheetError,
    check_import,
    claim_staged,
    commit_import,
    discard_staged,
    errors_export,
    load_staged,
    price_list_export,
    product_export,
    read_table,
    release_staged,
    stage_import,
    template_export,
)
from .models import PriceList
from .selectors import price_lists_for_staff

SESSION_KEY = "catalog_import_tokens"
SESSION_TOKENS_KEPT = 20
# Errors listed in the "There is a problem" box; the table under it lists all that were kept.
SUMMARY_ERRORS = 10

EXPORT_PRODUCTS = ("catalog.view_product", "catalog.change_product")
EXPORT_PRICE_LISTS = ("catalog.view_pricelist", "catalog.change_pricelist")


def can_import(user, kind: SheetLayout) -> bool:
    return user.has_perm(kind.permission)


def can_export_products(user) -> bool:
    return any(user.has_perm(permission) for permission in EXPORT_PRODUCTS)


def can_export_price_lists(user) -> bool:
    return any(user.has_perm(permission) for permission in EXPORT_PRICE_LISTS)


def _kind_or_404(slug: str) -> SheetLayout:
    kind = KINDS.get(slug)
    if kind is None:
        raise Http404
    return kind


def _download_response(download: Download) -> HttpResponse:
    return HttpResponse(
        download.content,
        content_type=download.content_type,
        headers={"Content-Disposition": f'attachment; filename="{download.filename}"'},
    )


def _remember_token(request, token: str) -> None:
    tokens = [*request.session.get(SESSION_KEY, []), token][-SESSION_TOKENS_KEPT:]
    request.session[SESSION_KEY] = tokens


def _forget_token(request, token: str) -> None:
    request.session[SESSION_KEY] = [kept for kept in request.session.get(SESSION_KEY, []) if kept != token]


def _owns_token(request, token: str) -> bool:
    return token in request.session.get(SESSION_KEY, [])


STATUS_LABELS = {
    "new": gettext_lazy("New"),
    "changed": gettext_lazy("Changed"),
    "unchanged": gettext_lazy("Unchanged"),
}
RECEIPT_STATUS_LABELS = {"new": gettext_lazy("New lot"), "changed": gettext_lazy("Existing lot")}


# --- Forms --------------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or GBK) or Excel .xlsx, at most 10 MB and 50,000 rows. The first row names the "
            "columns; in a workbook only the first sheet is read."
        ),
        error_messages={
            "required": gettext_lazy("Choose a CSV or Excel file to upload."),
            "empty": gettext_lazy("The file is empty."),
        },
    )

    def __init__(self, *args, kind: SheetLayout, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.user = user
        self.table = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.table = read_table(upload=upload, layout=self.kind)
        except SpreadsheetError as error:
            raise ValidationError(error.messages) from error
        return upload

    def options(self) -> ImportOptions:
        return ImportOptions()


class PriceUploadForm(UploadForm):
    price_list = forms.ModelChoiceField(
        queryset=PriceList.objects.none(),  # narrowed to the user's lists in __init__
        label=gettext_lazy("Price list"),
        error_messages={"required": gettext_lazy("Choose the price list the prices go into.")},
    )
    replace = forms.BooleanField(
        required=False,
        label=gettext_lazy("Replace the whole list"),
        help_text=gettext_lazy(
            "Prices of this list that are not in the file are removed. Leave unticked to add and change prices only."
        ),
    )
    field_order = ["price_list", "file", "replace"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_list"].queryset = price_lists_for_staff(self.user).order_by("kind", "priority", "name")

    def options(self) -> ImportOptions:
        return ImportOptions(price_list_id=self.cleaned_data["price_list"].pk, replace=self.cleaned_data["replace"])


class ReceiptUploadForm(UploadForm):
    reference = forms.CharField(
        required=False,
        max_length=100,
        label=gettext_lazy("Reference"),
        help_text=gettext_lazy("Delivery note or purchase order number; kept on every stock movement."),
    )
    field_order = ["file", "reference"]

    def options(self) -> ImportOptions:
        return ImportOptions(reference=self.cleaned_data["reference"].strip())


FORMS = {PRODUCTS.slug: UploadForm, PRICES.slug: PriceUploadForm, RECEIPTS.slug: ReceiptUploadForm}


# --- Views --------------------------------------------------------------------------------------


class ImportsIndexView(WagtailAdminTemplateMixin, TemplateView):
    """What the user may import and export, with the templates."""

    template_name = "catalog/admin/imports/index.html"
    page_title = gettext_lazy("Import and export")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        self.kinds = [kind for kind in KINDS.values() if can_import(user, kind)]
        if not self.kinds and not can_export_products(user) and not can_export_price_lists(user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            kinds=[
                {
                    "kind": kind,
                    "upload_url": reverse("catalog_import:upload", args=[kind.slug]),
                    "templates": _template_links(kind),
                }
                for kind in self.kinds
            ],
            product_exports=_product_export_links() if can_export_products(user) else None,
            price_lists=_price_list_rows(user) if can_export_price_lists(user) else None,
        )
        return context


def _template_links(kind: SheetLayout) -> list[dict]:
    return [
        {"format": fmt.upper(), "url": reverse("catalog_import:template", args=[kind.slug, fmt])} for fmt in FORMATS
    ]


def _product_export_links() -> list[dict]:
    return [{"format": fmt.upper(), "url": reverse("catalog_import:export_products", args=[fmt])} for fmt in FORMATS]


def _price_list_rows(user) -> list[dict]:
    price_lists = (
        price_lists_for_staff(user).annotate(entry_count=Count("entries")).order_by("kind", "priority", "name")
    )
    return [
        {
            "price_list": price_list,
            "exports": [
                {
                    "format": fmt.upper(),
                    "url": reverse("catalog_import:export_price_list", args=[price_list.pk, fmt]),
                }
                for fmt in FORMATS
            ],
        }
        for price_list in price_lists
    ]


class KindMixin:
    """Resolves the kind from the URL and refuses users without its permission."""

    def dispatch(self, request, *args, **kwargs):
        self.kind = _kind_or_404(kwargs["kind"])
        if not can_import(request.user, self.kind):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.kind.label)

    def kind_breadcrumbs(self, *, current: str | None = None) -> list[dict]:
        items = [{"url": reverse("catalog_import:index"), "label": _("Import and export")}]
        if current is None:
            return items + [{"url": "", "label": str(self.kind.label)}]
        return items + [
            {"url": reverse("catalog_import:upload", args=[self.kind.slug]), "label": str(self.kind.label)},
            {"url": "", "label": current},
        ]

    def staged_or_none(self, token: str):
        if not _owns_token(self.request, token):
            return None
        return load_staged(token=token, user=self.request.user, kind=self.kind)

    def expired(self):
        messages.warning(
            self.request, _("That upload has expired or was already imported. Upload the file again to continue.")
        )
        return redirect("catalog_import:upload", self.kind.slug)


class UploadView(KindMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "catalog/admin/imports/upload.html"
    page_title = gettext_lazy("Import")
    header_icon = "upload"

    def get_form_class(self):
        return FORMS[self.kind.slug]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kind": self.kind, "user": self.request.user}

    def get_initial(self):
        # /imports/prices/list/<pk>/: the price list's own page links here with the list chosen.
        if self.kwargs.get("price_list"):
            price_lists = price_lists_for_staff(self.request.user)
            return {"price_list": get_object_or_404(price_lists, pk=self.kwargs["price_list"])}
        return {}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + self.kind_breadcrumbs()

    def form_valid(self, form):
        options = form.options()
        checked = check_import(kind=self.kind, table=form.table, options=options)
        token = stage_import(
            user=self.request.user, kind=self.kind, table=form.table, options=options, preview=checked.preview
        )
        _remember_token(self.request, token)
        return redirect("catalog_import:preview", self.kind.slug, token)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update(
            kind=self.kind,
            columns=self.kind.columns,
            templates=_template_links(self.kind),
            error_summary=[
                {"href": f"#{form[name].id_for_label}", "text": error}
                for name, errors in form.errors.items()
                if name in form.fields
                for error in errors
            ]
            + [{"href": "", "text": error} for error in form.non_field_errors()],
        )
        if self.kind is PRODUCTS and can_export_products(self.request.user):
            context["product_exports"] = _product_export_links()
        if self.kind is PRICES and can_export_price_lists(self.request.user):
            context["price_lists"] = _price_list_rows(self.request.user)
        return context


class PreviewView(KindMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "catalog/admin/imports/preview.html"
    page_title = gettext_lazy("Check the import")
    header_icon = "upload"

    def get(self, request, *args, **kwargs):
        self.staged = self.staged_or_none(kwargs["token"])
        if self.staged is None:
            return self.expired()
        return super().get(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + self.kind_breadcrumbs(current=_("Check"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        preview: Preview = self.staged.preview
        token = self.staged.token
        labels = RECEIPT_STATUS_LABELS if self.kind is RECEIPTS else STATUS_LABELS
        price_list = None
        if self.kind is PRICES:
            price_list = PriceList.objects.filter(pk=self.staged.options.price_list_id).first()
        context.update(
            kind=self.kind,
            staged=self.staged,
            preview=preview,
            price_list=price_list,
            options=self.staged.options,
            summary_errors=[
                {"href": f"#problem-{index}", "text": str(error)}
                for index, error in enumerate(preview.errors[:SUMMARY_ERRORS], start=1)
            ],
            more_errors=preview.error_count - min(len(preview.errors), SUMMARY_ERRORS),
            sample=[
                {"row": row.row, "status": labels.get(row.status, row.status), "cells": row.cells}
                for row in preview.sample
            ],
            commit_url=reverse("catalog_import:commit", args=[self.kind.slug, token]),
            errors_url=reverse("catalog_import:errors", args=[self.kind.slug, token]),
            upload_url=reverse("catalog_import:upload", args=[self.kind.slug]),
        )
        return context


@method_decorator(require_POST, name="dispatch")
class CommitView(KindMixin, View):
    def post(self, request, *args, kind, token):
        staged = claim_staged(token=token, user=request.user, kind=self.kind) if _owns_token(request, token) else None
        if staged is None:
            return self.expired()
        try:
            preview = commit_import(kind=self.kind, table=staged.table, options=staged.options, user=request.user)
        except ImportRejected as rejected:
            release_staged(staged, rejected.preview)
            messages.error(request, _("Nothing was saved. Correct the problems below and upload the file again."))
            return redirect("catalog_import:preview", self.kind.slug, token)
        discard_staged(token)
        _forget_token(request, token)
        messages.success(request, _result_message(self.kind, staged, preview))
        return redirect("catalog_import:upload", self.kind.slug)


def _result_message(kind: SheetLayout, staged, preview: Preview) -> str:
    counts = {
        "rows": preview.rows,
        "file": staged.table.filename,
        "new": preview.new,
        "changed": preview.changed,
        "unchanged": preview.unchanged,
        "removed": preview.removed,
        "quantity": preview.quantity,
    }
    if kind is PRODUCTS:
        return (
            ngettext(
                "Imported %(rows)s product from “%(file)s”: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.",
                "Imported %(rows)s products from “%(file)s”: %(new)s new, %(changed)s changed, "
                "%(unchanged)s unchanged.",
                preview.rows,
            )
            % counts
        )
    if kind is PRICES:
        price_list = PriceList.objects.filter(pk=staged.options.price_list_id).first()
        counts["list"] = price_list.name if price_list else ""
        return (
            ngettext(
                "Imported %(rows)s price into “%(list)s”: %(new)s new, %(changed)s changed, "
                "%(unchanged)s unchanged, %(removed)s removed.",
                "Imported %(rows)s prices into “%(list)s”: %(new)s new, %(changed)s changed, "
                "%(unchanged)s unchanged, %(removed)s removed.",
                preview.rows,
            )
            % counts
        )
    return (
        ngettext(
            "Received %(quantity)s units in %(rows)s line from “%(file)s”, one stock movement per line.",
            "Received %(quantity)s units in %(rows)s lines from “%(file)s”, one stock movement per line.",
            preview.rows,
        )
        % counts
    )


class ErrorsView(KindMixin, View):
    """Every problem of a staged upload as CSV (the preview page keeps only the first ones)."""

    def get(self, request, *args, kind, token):
        staged = self.staged_or_none(token)
        if staged is None:
            return self.expired()
        preview = check_import(kind=self.kind, table=staged.table, options=staged.options).preview
        if not preview.has_errors:
            preview = staged.preview  # a problem found only at commit, by the database
        return _download_response(errors_export(preview=preview))


class TemplateDownloadView(KindMixin, View):
    def get(self, request, *args, kind, fmt):
        return _download_response(template_export(kind=self.kind, fmt=fmt))


class ProductExportView(View):
    def get(self, request, *args, fmt):
        if not can_export_products(request.user):
            raise PermissionDenied
        return _download_response(product_export(fmt=fmt))


class PriceListExportView(View):
    def get(self, request, *args, pk, fmt):
        if not can_export_price_lists(request.user):
            raise PermissionDenied
        price_list = get_object_or_404(price_lists_for_staff(request.user), pk=pk)
        return _download_response(price_list_export(price_list=price_list, fmt=fmt))


FORMAT = r"(?P<fmt>csv|xlsx)"
KIND = r"(?P<kind>products|prices|receipts)"
TOKEN = r"(?P<token>[A-Za-z0-9_-]{32})"

urlpatterns = [
    path("", ImportsIndexView.as_view(), name="index"),
    re_path(rf"^export/products\.{FORMAT}$", ProductExportView.as_view(), name="export_products"),
    re_path(rf"^export/price-lists/(?P<pk>\d+)\.{FORMAT}$", PriceListExportView.as_view(), name="export_price_list"),
    re_path(rf"^{KIND}/$", UploadView.as_view(), name="upload"),
    re_path(r"^prices/list/(?P<price_list>\d+)/$", UploadView.as_view(), {"kind": PRICES.slug}, name="price_list"),
    re_path(rf"^{KIND}/template\.{FORMAT}$", TemplateDownloadView.as_view(), name="template"),
    re_path(rf"^{KIND}/check/{TOKEN}/$", PreviewView.as_view(), name="preview"),
    re_path(rf"^{KIND}/check/{TOKEN}/problems\.csv$", ErrorsView.as_view(), name="errors"),
    re_path(rf"^{KIND}/commit/{TOKEN}/$", CommitView.as_view(), name="commit"),
]


@hooks.register("register_admin_urls")
def register_import_urls():
    return [path("imports/", include((urlpatterns, "catalog_import"), namespace="catalog_import"))]


class _ImportMenuItem(MenuItem):
    def __init__(self, kind: SheetLayout, *, order: int):
        super().__init__(
            kind.label,
            reverse("catalog_import:upload", args=[kind.slug]),
            name=f"import-{kind.slug}",
            icon_name="upload",
            order=order,
        )
        self.kind = kind

    def is_shown(self, request):
        return can_import(request.user, self.kind)


class _ExportsMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return can_export_products(user) or can_export_price_lists(user)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    items = [_ImportMenuItem(kind, order=index * 10) for index, kind in enumerate(KINDS.values(), start=1)]
    items.append(
        _ExportsMenuItem(
            gettext_lazy("Exports and templates"),
            reverse("catalog_import:index"),
            name="import-exports",
            icon_name="download",
            order=100,
        )
    )
    return SubmenuMenuItem(gettext_lazy("Import"), Menu(items=items), name="imports", icon_name="upload", order=900)
