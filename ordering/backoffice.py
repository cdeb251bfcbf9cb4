"""The staff back office for orders (Wagtail admin at /backoffice/orders/).

Orders menu (`orders_menu`, registered in ordering.wagtail_hooks):
- Approvals (`ApprovalQueueView`, "ordering_admin:approval_queue"): one card per order waiting
  for the viewer's decision, made for a phone: why it waits, the customer's credit, how long it
  has waited; approve or reject with a comment (finance: release or reject a credit hold).
- Orders (`OrderViewSet`): the list with filters and search, and each order's page (the
  viewset's inspect view): lines with price and source, lots with expiry, totals, hold reasons,
  approval steps and the timeline. Read-only: an order changes only through ordering.services.
- Place an order for a customer ("ordering_admin:place_for_customer"): a sales rep fills a cart
  of their own for one of their customers (Cart(user=rep, company=customer), so the customer's
  own cart is not touched) and places it as one of the customer's users.
- Approval rules (`ApprovalRuleViewSet`): which orders wait for whom, kept by the manager.

Who sees what (groups in accounts.roles):
- every order query starts from `orders_for_staff`, narrowed by `accounts.selectors.
  companies_for_staff`: a sales rep gets 404 for another rep's customer's order;
- `ordering.view_order` opens the orders and the queue; `ordering.add_order` places orders for
  customers; decisions are checked again by the services (the step's group, finance's
  `accounts.change_credit_terms`, nobody deciding an order they placed).

Each page loads what it shows in a fixed number of queries, whatever the number of orders, lines
or events (see tests/ordering/test_backoffice.py).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.functional import cached_property
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem as LinkMenuItemComponent
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from accounts import roles
from accounts.backoffice import CompanySection
from accounts.models import Company, CreditAccount, Membership
from accounts.selectors import companies_for_staff
from catalog.models import Allocation
from kit.backoffice import (
    CsvForExcelMixin,
    ListingTitleColumn,
    PermissionMenuItem,
    ProtectedDeleteView,
    form_error_summary,
)
from kit.money import format_money

from . import services
from .approval import ApprovalRule, ApprovalStep
from .forms import CheckoutForm
from .models import Order, OrderEvent, OrderState
from .services import Checkout, OrderingError, PriceChanged

S = OrderState

VIEW_ORDERS = "ordering.view_order"
PLACE_FOR_CUSTOMERS = "ordering.add_order"
# ordering.services.release_credit_hold checks the same permission.
RELEASE_CREDIT_HOLDS = "accounts.change_credit_terms"

# Sub-items of the Orders menu come from this hook (the queue and "place an order" register theirs).
ORDERS_MENU_HOOK = "register_orders_menu_item"

# States in which an order is still on its way (the 360° page counts them by state).
OPEN_STATES = [
    S.SUBMITTED,
    S.AWAITING_CUSTOMER_APPROVAL,
    S.AWAITING_APPROVAL,
    S.CREDIT_HOLD,
    S.APPROVED,
    S.PICKING,
    S.PARTLY_SHIPPED,
    S.SHIPPED,
]
WAITING_STATES = {S.AWAITING_CUSTOMER_APPROVAL, S.AWAITING_APPROVAL, S.CREDIT_HOLD}
RECENT_ORDERS_ON_360 = 10
CARDS_PER_PAGE = 20


# --- Reads: which orders a staff user sees, and which wait for them ---------------------------


def orders_for_staff(user) -> QuerySet[Order]:
    """The orders of the customers this staff user may see (a sales rep: their own)."""
    return Order.objects.filter(company__in=companies_for_staff(user).values("pk"))


def awaiting_decision_by(user) -> QuerySet[Order]:
    """Orders waiting for this user's decision: a pending staff step of one of their groups
    (never an order they placed: the service refuses that), and, for finance, credit holds."""
    steps = ApprovalStep.objects.filter(status=ApprovalStep.Status.PENDING, customer_side=False)
    if not user.is_superuser:
        steps = steps.filter(approver_group__user=user)
    waiting = (
        Q(state=S.AWAITING_APPROVAL, pk__in=steps.values("order_id"))
        & ~Q(placed_by=user)
        & ~Q(placed_for_customer_by=user)
    )
    if user.has_perm(RELEASE_CREDIT_HOLDS):
        waiting |= Q(state=S.CREDIT_HOLD)
    return orders_for_staff(user).filter(waiting)


def _sales_reps():
    return get_user_model().objects.filter(groups__name=roles.SALES_REP, is_active=True).order_by("email")


def _sees_all_companies(user) -> bool:
    return user.is_superuser or user.has_perm("accounts.view_all_companies")


def _role_label(group: Group) -> str:
    return str(roles.ROLE_LABELS.get(group.name, group.name))


def _credit_account(company: Company) -> CreditAccount | None:
    try:
        return company.credit_account
    except ObjectDoesNotExist:
        return None


def _placed_by(order: Order) -> str:
    if order.placed_for_customer_by_id:
        return _("%(customer)s (by %(rep)s)") % {"customer": order.placed_by, "rep": order.placed_for_customer_by}
    return str(order.placed_by)


# --- Permissions ------------------------------------------------------------------------------


class OrderPermissionPolicy(ModelPermissionPolicy):
    """Staff with `ordering.view_order` read the orders of the customers they may see.

    Nobody adds, changes or deletes an order through Wagtail's generic views: orders are placed
    and decided through ordering.services (placing for a customer has its own screen, checked
    with `ordering.add_order`).
    """

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return (
            self.user_has_permission(user, action) and companies_for_staff(user).filter(pk=instance.company_id).exists()
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return "view" in actions and self.user_has_permission_for_instance(user, "view", instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return Order.objects.none()
        return orders_for_staff(user)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


class BackOfficeViewMixin(WagtailAdminTemplateMixin):
    """Admin chrome and one permission for the order screens that are not viewset views."""

    permission = VIEW_ORDERS
    header_icon = "list-ul"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]


# --- Orders: list -----------------------------------------------------------------------------


class OrderFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=OrderState.choices, empty_label=gettext_lazy("All")
    )
    company = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Customer"),
        queryset=lambda request: companies_for_staff(request.user).order_by("display_name"),
    )
    sales_rep = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Sales rep"), field_name="company__sales_rep", queryset=lambda request: _sales_reps()
    )
    placed_at = django_filters.DateFromToRangeFilter(label=gettext_lazy("Placed"), widget=DateRangePickerWidget)

    class Meta:
        model = Order
        fields = ["state", "company", "sales_rep", "placed_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.request is not None and not _sees_all_companies(self.request.user):
            # A rep's list holds only their own customers' orders; a rep filter would only confuse.
            del self.filters["sales_rep"]


class OrderIndexView(CsvForExcelMixin, generic.IndexView):
    page_title = gettext_lazy("Orders")
    place_url_name = None

    def get_base_queryset(self):
        return orders_for_staff(self.request.user).select_related("company", "placed_by", "placed_for_customer_by")

    @cached_property
    def columns(self):
        return [
            ListingTitleColumn(
                "number",
                label=gettext_lazy("Order"),
                sort_key="number",
                get_url=self.get_inspect_url,
                get_buttons=self.get_list_buttons,
            ),
            Column("company", label=gettext_lazy("Customer"), sort_key="company__display_name"),
            DateColumn("placed_at", label=gettext_lazy("Placed"), sort_key="placed_at"),
            Column("placed_by", label=gettext_lazy("Placed by"), accessor=_placed_by),
            StatusTagColumn(
                "state",
                label=gettext_lazy("Status"),
                accessor="get_state_display",
                primary=lambda order: order.state in WAITING_STATES,
                sort_key="state",
            ),
            Column("po_number", label=gettext_lazy("PO number"), sort_key="po_number"),
            Column(
                "total",
                label=gettext_lazy("Total"),
                accessor=lambda order: format_money(order.total, order.currency),
                sort_key="total",
            ),
        ]

    def get_list_more_buttons(self, instance):
        buttons = []
        if inspect_url := self.get_inspect_url(instance):
            buttons.append(MenuItem(_("Order details"), inspect_url, icon_name="view", priority=10))
        return buttons

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm(PLACE_FOR_CUSTOMERS):
            buttons.append(
                HeaderButton(
                    _("Place an order for a customer"),
                    url=reverse("ordering_admin:place_for_customer"),
                    icon_name="plus",
                )
            )
        return buttons

    def to_row_dict(self, item):
        return {
            "number": item.number,
            "company": item.company.display_name,
            "placed_at": timezone.localtime(item.placed_at).strftime("%Y-%m-%d %H:%M"),
            "placed_by": str(item.placed_by),
            "placed_for_customer_by": str(item.placed_for_customer_by or ""),
            "state": item.get_state_display(),
            "po_number": item.po_number,
            "currency": item.currency,
            "subtotal": item.subtotal,
            "tax_total": item.tax_total,
            "total": item.total,
        }


# --- Orders: one order ------------------------------------------------------------------------


@dataclass
class LineWithLots:
    line: object
    allocations: list = field(default_factory=list)


class OrderDetailView(generic.InspectView):
    """Everything about one order, read-only: what was ordered at which price and from which
    list, which lots hold it, what it waits for and who moved it when."""

    page_title = gettext_lazy("Order")
    template_name = "ordering/admin/order_detail.html"
    customer_url_name = "customers:inspect"

    def get_object(self, queryset=None):
        orders = orders_for_staff(self.request.user).select_related("company", "placed_by", "placed_for_customer_by")
        return get_object_or_404(orders, pk=self.pk)

    def get_fields_context(self):
        # The template lays the order out itself; Wagtail's generic field list is not used.
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        lines = list(order.lines.all())
        by_line = {line.pk: LineWithLots(line) for line in lines}
        for allocation in (
            Allocation.objects.filter(order_line_id__in=list(by_line))
            .select_related("lot")
            .order_by("lot__expiry_date", "pk")
        ):
            by_line[allocation.order_line_id].allocations.append(allocation)
        context.update(
            order=order,
            lines=list(by_line.values()),
            events=list(order.events.select_related("actor")),
            steps=[
                _with_decider_label(step)
                for step in order.approval_steps.select_related("decided_by", "approver_group")
            ],
            customer_url=reverse(self.customer_url_name, args=[order.company_id]),
            waiting_for_me=self.request.user.has_perm(VIEW_ORDERS)
            and awaiting_decision_by(self.request.user).filter(pk=order.pk).exists(),
            queue_url=reverse("ordering_admin:approval_queue"),
        )
        return context


def _with_decider_label(step: ApprovalStep) -> ApprovalStep:
    if step.customer_side:
        step.decider_label = _("The customer's approver")
    else:
        step.decider_label = _role_label(step.approver_group) if step.approver_group else "—"
    return step


# --- Orders: the viewset ----------------------------------------------------------------------


class OrderViewSet(ModelViewSet):
    model = Order
    icon = "list-ul"
    menu_label = gettext_lazy("Orders")
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = OrderIndexView
    inspect_view_class = OrderDetailView
    ordering = ["-placed_at", "-pk"]
    list_per_page = 50
    search_fields = ["number", "po_number", "company__display_name", "company__legal_name"]
    search_backend_name = None  # plain database search; orders are not in Wagtail's index
    # No content refers to orders: keep placement free of Wagtail's reference-index task.
    add_to_reference_index = False
    filterset_class = OrderFilterSet
    list_export = [
        "number",
        "company",
        "placed_at",
        "placed_by",
        "placed_for_customer_by",
        "state",
        "po_number",
        "currency",
        "subtotal",
        "tax_total",
        "total",
    ]
    export_headings = {
        "number": gettext_lazy("Order"),
        "company": gettext_lazy("Customer"),
        "placed_at": gettext_lazy("Placed"),
        "placed_by": gettext_lazy("Placed by"),
        "placed_for_customer_by": gettext_lazy("Placed on the customer's behalf by"),
        "state": gettext_lazy("Status"),
        "po_number": gettext_lazy("PO number"),
        "currency": gettext_lazy("Currency"),
        "subtotal": gettext_lazy("Subtotal"),
        "tax_total": gettext_lazy("Tax"),
        "total": gettext_lazy("Total"),
    }
    export_filename = "orders"

    def get_urlpatterns(self):
        # Only the list and each order's page: orders are never added, edited or deleted here.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]


# --- Approval queue ---------------------------------------------------------------------------


class DecisionForm(forms.Form):
    """One card's decision. The hidden fields say what the card showed (the order's state and
    its pending step), so a decision taken meanwhile by a colleague is noticed, not overridden."""

    APPROVE, REJECT = "approve", "reject"

    decision = forms.ChoiceField(choices=[(APPROVE, gettext_lazy("Approve")), (REJECT, gettext_lazy("Reject"))])
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required to reject: the customer reads it."),
    )
    state = forms.ChoiceField(choices=[(S.AWAITING_APPROVAL, ""), (S.CREDIT_HOLD, "")], widget=forms.HiddenInput)
    step = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned_data = super().clean()
        cleaned_data["comment"] = (cleaned_data.get("comment") or "").strip()
        if cleaned_data.get("decision") == self.REJECT and not cleaned_data["comment"]:
            self.add_error("comment", _("Give a reason for rejecting: the customer reads it."))
        return cleaned_data

    @property
    def approving(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE


def decision_form(order: Order, step: ApprovalStep | None, data=None) -> DecisionForm:
    # A prefix per order: the queue shows one form per card on the same page.
    return DecisionForm(
        data,
        prefix=f"order-{order.pk}",
        initial={"state": order.state, "step": step.pk if step else None},
    )


@dataclass
class Card:
    order: Order
    step: ApprovalStep | None  # the pending staff step; None for a credit hold
    decided_steps: list
    credit_account: CreditAccount | None
    form: DecisionForm
    today: date

    @property
    def credit_hold(self) -> bool:
        return self.order.state == S.CREDIT_HOLD

    @property
    def reasons(self) -> list[str]:
        if self.credit_hold:
            return list(self.order.hold_reasons)
        return [self.step.reason] if self.step else []

    @property
    def available_credit(self) -> Decimal:
        exposure = self.credit_account.exposure if self.credit_account else Decimal("0.00")
        return self.order.company.credit_limit - exposure

    @property
    def prepays(self) -> bool:
        return self.order.company.prepaid

    @property
    def total_display(self) -> str:
        return format_money(self.order.total, self.order.currency)

    @property
    def available_credit_display(self) -> str:
        return format_money(self.available_credit, self.order.company.currency)

    @property
    def credit_limit_display(self) -> str:
        return format_money(self.order.company.credit_limit, self.order.company.currency)

    @property
    def oldest_overdue_due_date(self) -> date | None:
        due = self.credit_account.oldest_unpaid_due_date if self.credit_account else None
        return due if due is not None and due < self.today else None

    @property
    def days_overdue(self) -> int | None:
        due = self.oldest_overdue_due_date
        return (self.today - due).days if due else None

    @property
    def waited(self) -> str:
        since = self.order.waiting_since
        if since is None or timezone.now() - since < timedelta(minutes=1):
            return _("less than a minute")
        return timesince(since)

    @property
    def decision_overdue(self) -> bool:
        return bool(self.step and self.step.due_at and self.step.due_at < timezone.now())


class ApprovalQueueView(BackOfficeViewMixin, TemplateView):
    """Orders waiting for the viewer's decision, the longest-waiting first, one card each."""

    page_title = gettext_lazy("Approvals")
    header_icon = "tasks"
    template_name = "ordering/admin/approval_queue.html"

    def get_queryset(self):
        # When the order came into its current state: its latest event.
        waiting_since = OrderEvent.objects.filter(order=OuterRef("pk")).order_by("-at", "-pk").values("at")[:1]
        return (
            awaiting_decision_by(self.request.user)
            .select_related("company__credit_account", "placed_by", "placed_for_customer_by")
            .annotate(waiting_since=Subquery(waiting_since))
            .prefetch_related(
                Prefetch(
                    "approval_steps",
                    queryset=ApprovalStep.objects.select_related("decided_by", "approver_group"),
                    to_attr="all_steps",
                )
            )
            .order_by("waiting_since", "pk")
        )

    def cards(self, page, bound_forms: dict[int, DecisionForm]) -> list[Card]:
        today = timezone.localdate()
        cards = []
        for order in page:
            step = next(
                (s for s in order.all_steps if s.status == ApprovalStep.Status.PENDING and not s.customer_side), None
            )
            decided = [s for s in order.all_steps if s.decided_at is not None]
            cards.append(
                Card(
                    order=order,
                    step=None if order.state == S.CREDIT_HOLD else step,
                    decided_steps=decided,
                    credit_account=_credit_account(order.company),
                    form=bound_forms.get(order.pk) or decision_form(order, step),
                    today=today,
                )
            )
        return cards

    def get_context_data(self, posted: tuple[Order, DecisionForm] | None = None, **kwargs):
        """`posted`: the order and bound form of a card whose decision did not validate."""
        context = super().get_context_data(**kwargs)
        page = Paginator(self.get_queryset(), CARDS_PER_PAGE).get_page(self.request.GET.get("p"))
        bound_forms, error_summary = {}, []
        if posted is not None:
            order, form = posted
            bound_forms[order.pk] = form
            error_summary = [
                (target, _("Order %(number)s: %(error)s") % {"number": order.number, "error": message})
                for target, message in form_error_summary(form)
            ]
        context.update(
            page=page,
            page_range=page.paginator.get_elided_page_range(page.number),
            cards=self.cards(page, bound_forms),
            error_summary=error_summary,
        )
        return context


def _last_decision(order: Order) -> str:
    """Who last moved the order on, when, and where it is now, in a sentence."""
    event = order.events.exclude(actor=None).select_related("actor").order_by("-at", "-pk").first()
    state = OrderState(order.state).label
    if event is None:
        return _("Order %(number)s is now %(state)s.") % {"number": order.number, "state": state}
    person = str(event.actor)
    when = date_format(timezone.localtime(event.at), "SHORT_DATETIME_FORMAT")
    if event.to_state == S.REJECTED:
        text = _("Order %(number)s was already rejected by %(person)s at %(when)s.")
    elif event.to_state == S.CANCELLED:
        text = _("Order %(number)s was cancelled by %(person)s at %(when)s.")
    elif event.from_state == S.CREDIT_HOLD:
        text = _("Order %(number)s was already released from credit hold by %(person)s at %(when)s.")
    else:
        text = _("Order %(number)s was already approved by %(person)s at %(when)s.")
    text = text % {"number": order.number, "person": person, "when": when}
    return _("%(decision)s It is now %(state)s.") % {"decision": text, "state": state}


def _moved_on(order: Order, shown_state: str, shown_step: int | None) -> bool:
    """Whether the order left the state the card showed (a colleague decided meanwhile)."""
    if order.state != shown_state:
        return True
    if shown_state == S.AWAITING_APPROVAL:
        pending = order.approval_steps.filter(status=ApprovalStep.Status.PENDING).values_list("pk", flat=True).first()
        return pending != shown_step
    return False


class DecideView(ApprovalQueueView):
    """A decision posted from one card: approve or reject a staff step, or (finance) release or
    reject a credit hold. The services check the rest under the order's lock."""

    http_method_names = ["post"]

    def post(self, request, order_id: int):
        order = get_object_or_404(orders_for_staff(request.user), pk=order_id)
        form = DecisionForm(request.POST, prefix=f"order-{order.pk}")
        if not form.is_valid():
            if form.has_error("state") or form.has_error("step") or form.has_error("decision"):
                messages.error(request, _("This page was out of date; here is the queue as it is now."))
                return redirect("ordering_admin:approval_queue")
            return self.render_to_response(self.get_context_data(posted=(order, form)), status=400)

        shown_state, shown_step = form.cleaned_data["state"], form.cleaned_data["step"]
        if _moved_on(order, shown_state, shown_step):
            messages.warning(request, _last_decision(order))
            return redirect("ordering_admin:approval_queue")

        comment = form.cleaned_data["comment"]
        try:
            if shown_state == S.CREDIT_HOLD:
                services.release_credit_hold(order=order, user=request.user, approve=form.approving, comment=comment)
            else:
                services.decide_staff_approval(
                    order=order, user=request.user, approve=form.approving, comment=comment, step_id=shown_step
                )
        except OrderingError as error:
            order = Order.objects.get(pk=order.pk)
            if _moved_on(order, shown_state, shown_step):
                # A colleague decided between our check and the service's lock.
                messages.warning(request, _last_decision(order))
            else:
                messages.error(request, _("Order %(number)s: %(error)s") % {"number": order.number, "error": error})
            return redirect("ordering_admin:approval_queue")

        order = Order.objects.get(pk=order.pk)
        if not form.approving:
            message = _("Order %(number)s is rejected; the customer is told why.")
        elif shown_state == S.CREDIT_HOLD:
            message = _("Order %(number)s is released from credit hold: it is now %(state)s.")
        elif order.state == S.AWAITING_APPROVAL:
            message = _("Order %(number)s is approved; it now goes to the next approver.")
        elif order.state == S.APPROVED:
            message = _("Order %(number)s is approved and confirmed to the customer.")
        else:
            message = _("Order %(number)s is approved: it is now %(state)s.")
        messages.success(
            request,
            message % {"number": order.number, "state": OrderState(order.state).label},
            buttons=[messages.button(reverse("orders:inspect", args=[order.pk]), _("View order"))],
        )
        return redirect("ordering_admin:approval_queue")


class ApprovalsMenuItem(PermissionMenuItem):
    """ "Approvals" in the Orders menu, with the number of orders waiting for the viewer: one
    count query, only when the menu is drawn."""

    def render_component(self, request):
        count = awaiting_decision_by(request.user).count()
        label = _("%(label)s (%(count)s)") % {"label": self.label, "count": count} if count else self.label
        return LinkMenuItemComponent(
            self.name, label, self.url, icon_name=self.icon_name, classname=self.classname, attrs=self.attrs
        )


# --- Place an order on a customer's behalf -----------------------------------------------------


class ChooseCustomerForm(forms.Form):
    company = forms.ModelChoiceField(
        label=gettext_lazy("Customer"),
        queryset=Company.objects.none(),
        error_messages={
            "required": gettext_lazy("Choose the customer you are ordering for."),
            "invalid_choice": gettext_lazy("Choose one of your customers."),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = (
            companies_for_staff(user).filter(status=Company.Status.ACTIVE).order_by("display_name")
        )


class AddLineForm(forms.Form):
    sku = forms.CharField(
        label=gettext_lazy("SKU"), max_length=40, error_messages={"required": gettext_lazy("Enter a SKU.")}
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"),
        min_value=1,
        error_messages={
            "required": gettext_lazy("Enter a quantity."),
            "invalid": gettext_lazy("Enter the quantity as a whole number, like 12."),
            "min_value": gettext_lazy("Enter a quantity of at least 1."),
        },
    )


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, membership):
        return f"{membership.user} ({membership.get_role_display()}) · {membership.user.email}"


class PlaceForCustomerForm(CheckoutForm):
    """The customer's checkout, plus whom the order is placed as (one of the customer's users:
    their spending limit and approver apply as if they had placed it)."""

    membership = MembershipChoiceField(
        label=gettext_lazy("Place as"),
        queryset=Membership.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("The customer's user the order is for; they are told it was placed by you."),
        error_messages={
            "required": gettext_lazy("Choose the customer's user to place the order as."),
            "invalid_choice": gettext_lazy("Choose one of this customer's users."),
        },
    )

    field_order = ["membership", "ship_to", "po_number", "requested_delivery_date", "notes"]

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, company=company, **kwargs)
        self.fields["membership"].queryset = company.memberships.select_related("user").order_by("user__email")
        self.fields["po_number"].label = gettext_lazy("Customer's PO number")
        self.fields["notes"].label = gettext_lazy("Notes")
        self.fields["ship_to"].error_messages["invalid_choice"] = gettext_lazy(
            "Choose one of the customer's delivery addresses."
        )


class ChooseCustomerView(BackOfficeViewMixin, TemplateView):
    """Step one: which customer (only the rep's own)."""

    permission = PLACE_FOR_CUSTOMERS
    page_title = gettext_lazy("Place an order for a customer")
    header_icon = "plus"
    template_name = "ordering/admin/place_choose_customer.html"

    def get(self, request, *args, **kwargs):
        form = ChooseCustomerForm(request.GET or None, user=request.user)
        if form.is_bound and form.is_valid():
            return redirect("ordering_admin:place_cart", company_id=form.cleaned_data["company"].pk)
        return self.render_to_response(
            self.get_context_data(form=form, error_summary=form_error_summary(form) if form.is_bound else [])
        )


class PlaceForCustomerMixin(BackOfficeViewMixin):
    permission = PLACE_FOR_CUSTOMERS
    header_icon = "plus"
    template_name = "ordering/admin/place_cart.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        # Another rep's customer is 404, as everywhere in the back office.
        self.company = get_object_or_404(companies_for_staff(request.user), pk=kwargs["company_id"])
        # The rep's own cart for this customer: the customer's users' carts are never touched.
        self.cart = services.cart_for(user=request.user, company=self.company)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Order for %(customer)s") % {"customer": self.company}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("ordering_admin:place_for_customer"), "label": _("Place an order for a customer")},
            {"url": "", "label": self.get_page_title()},
        ]

    def cart_url(self):
        return reverse("ordering_admin:place_cart", args=[self.company.pk])

    def page(self, *, add_form=None, place_form=None, quote=None, status=200):
        quote = quote or services.quote_cart(cart=self.cart)
        add_form = add_form or AddLineForm()
        if place_form is None:
            place_form = PlaceForCustomerForm(company=self.company)
            place_form.initial.update(
                ship_to=next(iter(place_form.fields["ship_to"].queryset), None),
                expected_total=quote.total,
                idempotency_key=CheckoutForm.new_key(),
            )
        else:
            # Shown again: with the total now on the page and the same checkout key.
            place_form.data = place_form.data.copy()
            place_form.data["expected_total"] = str(quote.total)
        summary = []
        if add_form.is_bound:
            summary += form_error_summary(add_form)
        if place_form.is_bound:
            summary += form_error_summary(place_form)
        context = self.get_context_data(
            company=self.company,
            quote=quote,
            add_form=add_form,
            place_form=place_form,
            error_summary=summary,
            add_url=reverse("ordering_admin:place_add_line", args=[self.company.pk]),
            action_url=self.cart_url(),
            customer_url=reverse("customers:inspect", args=[self.company.pk]),
        )
        return self.render_to_response(context, status=status)


class PlaceForCustomerView(PlaceForCustomerMixin, TemplateView):
    """Step two: lines by SKU and quantity, the quote as the customer would see it, and place."""

    def get(self, request, *args, **kwargs):
        return self.page()

    def post(self, request, *args, **kwargs):
        form = PlaceForCustomerForm(request.POST, company=self.company)
        if not form.is_valid():
            return self.page(place_form=form, status=400)
        data = form.cleaned_data
        try:
            order = services.place_order(
                cart=self.cart,
                membership=data["membership"],
                checkout=Checkout(
                    ship_to=data["ship_to"],
                    po_number=data["po_number"].strip(),
                    requested_delivery_date=data["requested_delivery_date"],
                    notes=data["notes"].strip(),
                ),
                expected_total=data["expected_total"],
                idempotency_key=data["idempotency_key"],
                placed_for_customer_by=request.user,
            )
        except PriceChanged as changed:
            form.add_error(None, str(changed))
            return self.page(place_form=form, quote=changed.quote, status=400)
        except OrderingError as error:
            form.add_error(None, str(error))
            return self.page(place_form=form, status=400)
        messages.success(
            request,
            _("Order %(number)s is placed for %(customer)s as %(user)s: it is now %(state)s.")
            % {
                "number": order.number,
                "customer": self.company,
                "user": data["membership"].user,
                "state": OrderState(order.state).label,
            },
        )
        return redirect("orders:inspect", order.pk)


class AddLineView(PlaceForCustomerMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = AddLineForm(request.POST)
        if form.is_valid():
            try:
                product = services.get_orderable_product(company=self.company, sku=form.cleaned_data["sku"])
                snapped = services.add_to_cart(cart=self.cart, product=product, quantity=form.cleaned_data["quantity"])
            except OrderingError as error:
                form.add_error("sku", str(error))
            else:
                if snapped.message:
                    messages.warning(request, snapped.message)
                return redirect(self.cart_url())
        return self.page(add_form=form, status=400)


class RemoveLineView(PlaceForCustomerMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, product_id: int, **kwargs):
        line = get_object_or_404(self.cart.lines.select_related("product"), product_id=product_id)
        services.remove_from_cart(cart=self.cart, product=line.product)
        return redirect(self.cart_url())


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


order_viewset = OrderViewSet("orders")
approval_rule_viewset = ApprovalRuleViewSet("approval-rules")


class OrdersMenu(ModelViewSetGroup):
    """The queue and "place an order" (from `ORDERS_MENU_HOOK`), the orders, the rules."""

    menu_label = gettext_lazy("Orders")
    menu_name = "orders"
    menu_icon = "list-ul"
    menu_order = 140
    submenu_hook = ORDERS_MENU_HOOK
    items = (order_viewset, approval_rule_viewset)


orders_menu = OrdersMenu()


# --- Customer 360°: the customer's orders -----------------------------------------------------


class OrdersSection(CompanySection):
    """Open orders by status with their totals, and the last ten orders: two queries."""

    order = 25
    template_name = "ordering/admin/company_360_orders.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context)
        rank = {state: index for index, state in enumerate(OPEN_STATES)}
        open_orders = sorted(
            Order.objects.filter(company=self.company, state__in=OPEN_STATES)
            .values("state", "currency")
            .annotate(count=Count("pk"), total=Sum("total"))
            .order_by(),
            key=lambda row: (rank[row["state"]], row["currency"]),
        )
        for row in open_orders:
            row["label"] = OrderState(row["state"]).label
            row["total_display"] = format_money(row["total"], row["currency"])
        recent = list(
            Order.objects.filter(company=self.company)
            .select_related("placed_by", "placed_for_customer_by")
            .order_by("-placed_at", "-pk")[:RECENT_ORDERS_ON_360]
        )
        context.update(
            open_orders=open_orders,
            recent_orders=[
                {
                    "order": order,
                    "url": reverse("orders:inspect", args=[order.pk]),
                    "placed_by": _placed_by(order),
                    "total": format_money(order.total, order.currency),
                    "waiting": order.state in WAITING_STATES,
                }
                for order in recent
            ],
            all_orders_url=reverse("orders:index") + f"?company={self.company.pk}",
            place_url=reverse("ordering_admin:place_cart", args=[self.company.pk])
            if self.request.user.has_perm(PLACE_FOR_CUSTOMERS) and self.company.is_active
            else None,
        )
        return context


def company_orders_section(request, company: Company) -> OrdersSection | None:
    if not request.user.has_perm(VIEW_ORDERS):
        return None
    return OrdersSection(request, company)


# --- URLs of the admin views (namespace "ordering_admin", under /backoffice/orders/) ----------

urlpatterns = [
    path("approvals/", ApprovalQueueView.as_view(), name="approval_queue"),
    path("approvals/<int:order_id>/decide/", DecideView.as_view(), name="decide"),
    path("place/", ChooseCustomerView.as_view(), name="place_for_customer"),
    path("place/<int:company_id>/", PlaceForCustomerView.as_view(), name="place_cart"),
    path("place/<int:company_id>/lines/", AddLineView.as_view(), name="place_add_line"),
    path("place/<int:company_id>/lines/<int:product_id>/remove/", RemoveLineView.as_view(), name="place_remove_line"),
]
