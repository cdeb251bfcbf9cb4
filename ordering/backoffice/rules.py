"""Approval rules, kept by the manager."""

from django.contrib.auth.models import Group
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from accounts import roles
from kit.backoffice import (
    ListingTitleColumn,
    ProtectedDeleteView,
)

from ..models import ApprovalRule
from .common import VIEW_ORDERS, _role_label

# --- Approval rules ---------------------------------------------------------------------------

# Roles that see orders can decide them; a rule sending orders to any other group (warehouse,
# content editors) would leave them waiting for people who cannot see them.
DECIDING_ROLES = [name for name, permissions in roles.STAFF_GROUP_PERMISSIONS.items() if VIEW_ORDERS in permissions]
CONDITIONS_WITH_AMOUNT = {ApprovalRule.Condition.TOTAL_AT_LEAST, ApprovalRule.Condition.BELOW_FLOOR}


class ApprovalRuleForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "approver_group" in self.fields:
            field = self.fields["approver_group"]
            field.queryset = Group.objects.filter(name__in=DECIDING_ROLES).order_by("name")
            field.label_from_instance = _role_label
            field.error_messages["invalid_choice"] = _("Choose one of the staff roles that decide orders.")

    def clean(self):
        cleaned_data = super().clean()
        condition, amount = cleaned_data.get("condition"), cleaned_data.get("amount")
        C = ApprovalRule.Condition
        if condition == C.TOTAL_AT_LEAST:
            if amount is None:
                self.add_error("amount", _("Enter the order total from which this rule applies, for example 20000."))
            elif amount <= 0:
                self.add_error("amount", _("Enter a total above 0."))
        elif condition == C.BELOW_FLOOR:
            if amount is None:
                self.add_error(
                    "amount", _("Enter the floor as a percentage of the list price, for example 85 for 85%.")
                )
            elif not 0 < amount <= 100:
                self.add_error("amount", _("Enter a percentage between 1 and 100."))
        elif condition and amount is not None:
            self.add_error(
                "amount",
                _("“%(condition)s” does not use an amount; leave it empty.")
                % {"condition": ApprovalRule.Condition(condition).label},
            )
        return cleaned_data


approval_rule_panels = [
    FieldPanel("name"),
    FieldRowPanel([FieldPanel("condition"), FieldPanel("amount")]),
    FieldRowPanel([FieldPanel("approver_group"), FieldPanel("step"), FieldPanel("decide_within_hours")]),
    FieldPanel("active"),
]


def _rule_amount(rule: ApprovalRule) -> str:
    if rule.amount is None:
        return ""
    if rule.condition == ApprovalRule.Condition.BELOW_FLOOR:
        return f"{number_format(rule.amount, decimal_pos=0)}%"
    return number_format(rule.amount, decimal_pos=2, force_grouping=True)


class ApprovalRuleIndexView(generic.IndexView):
    page_title = gettext_lazy("Approval rules")

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("approver_group")

    @cached_property
    def columns(self):
        return [
            ListingTitleColumn(
                "name",
                label=gettext_lazy("Name"),
                sort_key="name",
                get_url=self.get_edit_url,
                get_buttons=self.get_list_buttons,
            ),
            Column("condition", label=gettext_lazy("Condition"), accessor="get_condition_display"),
            Column("amount", label=gettext_lazy("Amount"), accessor=_rule_amount),
            Column(
                "approver_group",
                label=gettext_lazy("Decided by"),
                accessor=lambda rule: _role_label(rule.approver_group),
            ),
            Column("step", label=gettext_lazy("Step"), sort_key="step"),
            Column("decide_within_hours", label=gettext_lazy("Decide within (hours)")),
            BooleanColumn("active", label=gettext_lazy("Active"), sort_key="active"),
        ]


class ApprovalRuleDeleteView(ProtectedDeleteView):
    protected_message = gettext_lazy(
        "%(object)s has already sent orders for approval and cannot be deleted; make it inactive instead."
    )


class ApprovalRuleViewSet(ModelViewSet):
    model = ApprovalRule
    icon = "tasks"
    menu_label = gettext_lazy("Approval rules")
    copy_view_enabled = False
    index_view_class = ApprovalRuleIndexView
    delete_view_class = ApprovalRuleDeleteView
    edit_handler = ObjectList(approval_rule_panels, base_form_class=ApprovalRuleForm)
    ordering = ["step", "pk"]
    add_to_reference_index = False
