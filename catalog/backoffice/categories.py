"""Categories in the back office: a tree, with the restriction (licence kind) each carries."""

import django_filters
from django.db.models import (
    Count,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import (
    Column,
)
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import BooleanRadioSelect

from kit.backoffice import (
    CsvForExcelMixin,
    ListingTitleColumn,
    ProtectedDeleteView,
)

from ..models import (
    Category,
)
from .common import CategoryTreeChoiceField

# --- Categories: a tree ------------------------------------------------------------------


class CategoryForm(WagtailAdminModelForm):
    """The category form, with the place in the tree.

    Category is a treebeard node: a new one is created with `add_root` / `add_child`, and a
    change of parent is a `move`, never a plain save of path fields.
    """

    parent = CategoryTreeChoiceField(
        queryset=Category.objects.none(),
        required=False,
        label=_("Parent category"),
        empty_label=_("None: a top-level category"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = Category.objects.order_by("path")
        self.current_parent = None
        if self.instance.pk:
            # A category cannot move below itself or one of its own subcategories.
            candidates = candidates.exclude(path__startswith=self.instance.path)
            self.current_parent = self.instance.get_parent()
            self.initial["parent"] = self.current_parent.pk if self.current_parent else None
        self.fields["parent"].queryset = candidates

    def save(self, commit=True):
        parent = self.cleaned_data.get("parent")
        category = self.instance
        if category.pk is None:
            if parent is None:
                return Category.add_root(instance=category)
            return parent.add_child(instance=category)
        category = super().save(commit=commit)
        if (parent and parent.pk) != (self.current_parent and self.current_parent.pk):
            if parent is None:
                category.move(Category.get_first_root_node(), "sorted-sibling")
            else:
                category.move(parent, "sorted-child")
            category = Category.objects.get(pk=category.pk)
        return category


category_panels = [
    FieldPanel("parent"),
    FieldRowPanel([FieldPanel("name_en"), FieldPanel("name_zh")]),
    FieldPanel("slug"),
    MultiFieldPanel(
        [FieldPanel("restricted"), FieldPanel("licence_kind")],
        heading=_("Restriction"),
    ),
    FieldPanel("expiry_warning_days"),
]


class CategoryTitleColumn(ListingTitleColumn):
    cell_template_name = "catalog/admin/category_title_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["depth"] = instance.depth - 1
        return context


class CategoryFilterSet(WagtailFilterSet):
    restricted = django_filters.BooleanFilter(label=_("Restricted"), widget=BooleanRadioSelect)

    class Meta:
        model = Category
        fields = ["restricted"]


class CategoryIndexView(CsvForExcelMixin, generic.IndexView):
    page_title = _("Categories")

    def get_base_queryset(self):
        return super().get_base_queryset().annotate(product_count=Count("products"))

    def order_queryset(self, queryset):
        # Tree order, always: a child sits under its parent.
        return queryset.order_by("path")

    @cached_property
    def columns(self):
        return [
            CategoryTitleColumn(
                "name",
                label=_("Category"),
                get_url=lambda category: self.get_edit_url(category) or self.get_inspect_url(category),
                get_buttons=self.get_list_buttons,
            ),
            Column("name_zh", label=_("Name (Chinese)")),
            Column("slug", label=_("Slug")),
            Column("product_count", label=_("Products")),
            Column(
                "restricted",
                label=_("Restriction"),
                accessor=lambda category: _restriction(category),
            ),
            Column("expiry_warning_days", label=_("Expiry warning (days ahead)")),
        ]

    @cached_property
    def _slug_by_path(self):
        return dict(Category.objects.values_list("path", "slug"))

    def to_row_dict(self, item):
        parent_path = item.path[: -Category.steplen]
        return {
            "name_en": item.name_en,
            "name_zh": item.name_zh,
            "slug": item.slug,
            "parent": self._slug_by_path.get(parent_path, ""),
            "restricted": item.restricted,
            "licence_kind": item.get_licence_kind_display(),
            "expiry_warning_days": item.expiry_warning_days,
        }


def _restriction(category: Category) -> str:
    if not category.restricted:
        return ""
    return category.get_licence_kind_display() or str(_("Any valid licence"))


class CategoryDeleteView(ProtectedDeleteView):
    protected_message = _("%(object)s still has products; move them to another category first.")

    def form_valid(self, form):
        if self.object.get_children_count():
            messages.error(
                self.request,
                _("%(object)s has subcategories; move or delete them first.") % {"object": self.object},
            )
            return redirect(reverse(self.index_url_name))
        return super().form_valid(form)


class CategoryViewSet(ModelViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = _("Categories")
    menu_name = "categories"
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True

    index_view_class = CategoryIndexView
    delete_view_class = CategoryDeleteView
    edit_handler = ObjectList(category_panels, base_form_class=CategoryForm)
    list_per_page = 100
    search_fields = ["name_en", "name_zh", "slug"]
    search_backend_name = None
    filterset_class = CategoryFilterSet
    inspect_view_fields = ["name_en", "name_zh", "slug", "restricted", "licence_kind", "expiry_warning_days"]
    list_export = ["name_en", "name_zh", "slug", "parent", "restricted", "licence_kind", "expiry_warning_days"]
    export_headings = {
        "name_en": _("Name (English)"),
        "name_zh": _("Name (Chinese)"),
        "slug": _("Slug"),
        "parent": _("Parent category (slug)"),
        "restricted": _("Restricted"),
        "licence_kind": _("Licence required"),
        "expiry_warning_days": _("Expiry warning (days ahead)"),
    }
    export_filename = "categories"
