"""Customer views: orders, tracking, the company approver's queue, notifications.

Orders are fetched through accounts.access (404 outside the active company); notifications
through request.user (404 for anyone else's). Decisions go through ordering.services, which
re-checks everything under the order's row lock; a refusal comes back as an OrderingError whose
message is shown as it is.

Each page runs a fixed number of queries whatever the number of orders, lines or events: the
order list two (count and page) plus the members for the "placed by" filter; the order detail
four (order, lines, events, approval steps); the approvals queue four (orders, their pending
steps and lines, recent decisions).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import get_for_member, member_required, scoped
from accounts.forms import BootstrapFormMixin, DatePickerInput
from accounts.models import Membership
from kit import phrases

from . import services, states
from .models import ApprovalStep, Order, OrderEvent, OrderState
from .selectors import awaiting_customer_approval_by

S = OrderState
APPROVER_ROLES = (Membership.Role.APPROVER, Membership.Role.ADMIN)
ORDERS_PER_PAGE = 20
RECENT_DECISIONS_DAYS = 7


def _may_decide(membership: Membership) -> bool:
    return membership.role in APPROVER_ROLES


def _may_cancel(membership: Membership, order: Order) -> bool:
    """The person who placed the order, or the company's approvers and admins."""
    return order.placed_by_id == membership.user_id or _may_decide(membership)


def _url_or_none(name: str) -> str | None:
    """A colleague's page that may not exist yet (quick order): linked once it does."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# Orders list --------------------------------------------------------------------------------


class OrderFilterForm(BootstrapFormMixin, forms.Form):
    """The list's GET parameters. They come from links and bookmarks as much as from the form,
    so a value that does not validate is dropped instead of showing an error."""

    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("Any status")), *S.choices]
    )
    placed_from = forms.DateField(label=gettext_lazy("Placed from"), required=False, widget=DatePickerInput())
    placed_to = forms.DateField(label=gettext_lazy("Placed until"), required=False, widget=DatePickerInput())
    placed_by = forms.TypedChoiceField(label=gettext_lazy("Placed by"), required=False, coerce=int, empty_value=None)
    needs_my_action = forms.BooleanField(label=gettext_lazy("Needs my action"), required=False)

    def __init__(self, *args, members, may_decide: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["placed_by"].choices = [("", _("Anyone"))] + [(m.user_id, str(m.user)) for m in members]
        if not may_decide:
            del self.fields["needs_my_action"]


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    placed_from: object = None
    placed_to: object = None
    placed_by: int | None = None
    needs_my_action: bool = False

    @property
    def active(self) -> bool:
        return bool(self.status or self.placed_from or self.placed_to or self.placed_by or self.needs_my_action)


def _parse_filters(form: OrderFilterForm) -> OrderFilters:
    form.is_valid()
    data = form.cleaned_data  # only the fields that validated
    return OrderFilters(
        status=data.get("status") or "",
        placed_from=data.get("placed_from"),
        placed_to=data.get("placed_to"),
        placed_by=data.get("placed_by"),
        needs_my_action=bool(data.get("needs_my_action")),
    )


def _filtered_orders(request, filters: OrderFilters):
    orders = scoped(request, Order.objects.select_related("placed_by", "placed_for_customer_by"))
    if filters.status:
        orders = orders.filter(state=filters.status)
    if filters.placed_from:
        orders = orders.filter(placed_at__date__gte=filters.placed_from)
    if filters.placed_to:
        orders = orders.filter(placed_at__date__lte=filters.placed_to)
    if filters.placed_by:
        orders = orders.filter(placed_by_id=filters.placed_by)
    if filters.needs_my_action:
        orders = orders.filter(awaiting_customer_approval_by(request.membership))
    return orders.order_by("-placed_at", "-pk")


@member_required
def order_list(request):
    membership = request.membership
    members = list(Membership.objects.filter(company=membership.company).select_related("user").order_by("user__email"))
    form = OrderFilterForm(request.GET or None, members=members, may_decide=_may_decide(membership))
    filters = _parse_filters(form) if request.GET else OrderFilters()
    page = Paginator(_filtered_orders(request, filters), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "orders": page.object_list,
        "catalog_url": reverse("catalog:product_list"),
        "quick_order_url": _url_or_none("ordering:quick_order"),
    }
    return render(request, "ordering/order_list.html", context)


# Order detail and its timeline -------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    text: str
    tone: str  # colour of the step's marker: "primary", "success", "warning", "danger", "secondary"
    detail: str = ""  # a person's own words, quoted
    note: str = ""  # the system's words (a shipment's carrier), plain


def _person(event: OrderEvent) -> str:
    return str(event.actor) if event.actor_id else _("the system")


def _with_reason(with_reason: str, without: str, reason: str, person: str = "") -> str:
    text = with_reason if reason else without
    return text % {"person": person, "reason": reason}


# Fulfilment's steps: their words and marker colours.
LATER_STEPS = {
    S.PICKING: (gettext_lazy("We started picking"), "primary"),
    S.PARTLY_SHIPPED: (gettext_lazy("Partly shipped"), "primary"),
    S.SHIPPED: (gettext_lazy("Shipped"), "primary"),
    S.DELIVERED: (gettext_lazy("Delivered"), "success"),
    S.CLOSED: (gettext_lazy("Closed"), "secondary"),
}


def timeline(order: Order, events: list[OrderEvent]) -> list[TimelineEntry]:
    """Each OrderEvent in plain words, oldest first.

    An event where a person moved the order on (the company's approver approving, finance
    releasing a hold, a staff approver passing it to the next step) becomes two entries: who
    decided, then where the order went, because the customer cares about both.
    """
    entries: list[TimelineEntry] = []
    for event in events:
        person, source, target = _person(event), event.from_state, event.to_state
        # The system's reason (a rule, a hold) and the person's own words are kept apart.
        reason, comment = phrases.render(event.phrase), event.reason

        def add(text: str, tone: str, detail: str = "", note: str = "", at=event.at) -> None:
            entries.append(TimelineEntry(at=at, text=text, tone=tone, detail=detail, note=note))

        if not source:
            if order.placed_for_customer_by_id and event.actor_id == order.placed_for_customer_by_id:
                add(_("Placed by %(person)s on your behalf") % {"person": person}, "primary")
            else:
                add(_("Placed by %(person)s") % {"person": person}, "primary")
            continue

        if source == S.AWAITING_CUSTOMER_APPROVAL and target in (S.AWAITING_APPROVAL, S.CREDIT_HOLD, S.APPROVED):
            add(_("Approved by %(person)s") % {"person": person}, "success", detail=comment)
        elif source == S.CREDIT_HOLD and target in (S.AWAITING_APPROVAL, S.APPROVED):
            add(_("Released from credit hold by %(person)s") % {"person": person}, "success", detail=comment)
        elif source == S.AWAITING_APPROVAL and target == S.AWAITING_APPROVAL:
            add(_("Approved by %(person)s") % {"person": person}, "success", detail=comment)

        if target == S.AWAITING_CUSTOMER_APPROVAL:
            add(
                _with_reason(_("Waiting for your approver: %(reason)s"), _("Waiting for your approver"), reason),
                "warning",
            )
        elif target == S.AWAITING_APPROVAL:
            # After an approval the event's reason is the next step's; otherwise the rule's.
            add(
                _with_reason(_("Waiting for our approval: %(reason)s"), _("Waiting for our approval"), reason),
                "warning",
            )
        elif target == S.CREDIT_HOLD:
            add(_with_reason(_("On credit hold: %(reason)s"), _("On credit hold"), reason), "danger")
        elif target == S.APPROVED:
            if source == S.AWAITING_APPROVAL:
                add(_("Confirmed by %(person)s") % {"person": person}, "success", detail=comment)
            else:
                add(_("Confirmed"), "success")
        elif target == S.REJECTED:
            add(
                _with_reason(_("Rejected by %(person)s: %(reason)s"), _("Rejected by %(person)s"), comment, person),
                "danger",
            )
        elif target == S.CANCELLED:
            add(
                _with_reason(_("Cancelled by %(person)s: %(reason)s"), _("Cancelled by %(person)s"), comment, person),
                "secondary",
            )
        elif target in LATER_STEPS:
            add(str(LATER_STEPS[target][0]), LATER_STEPS[target][1], detail=comment, note=reason)
    return entries


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for rejecting"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("The person who placed the order reads this."),
        error_messages={"required": gettext_lazy("Give a reason for the rejection.")},
    )


class CancelForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why are you cancelling? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _reject_form(order: Order, data=None) -> RejectForm:
    # A prefix per order: the approvals queue shows one form per order on the same page.
    return RejectForm(data, prefix=f"order-{order.pk}")


def _order_for_member(request, number: str) -> Order:
    return get_for_member(
        request, Order.objects.select_related("company", "placed_by", "placed_for_customer_by"), number=number
    )


def _detail_context(request, order: Order, *, reject_form=None, cancel_form=None) -> dict:
    membership = request.membership
    events = list(order.events.select_related("actor"))
    steps = list(order.approval_steps.select_related("decided_by"))
    pending = next((s for s in steps if s.customer_side and s.status == ApprovalStep.Status.PENDING), None)
    awaiting_us = order.state == S.AWAITING_CUSTOMER_APPROVAL and _may_decide(membership)
    return {
        "order": order,
        "lines": list(order.lines.all()),
        # Fulfilment's shipments (ordering does not import fulfilment: string lookups), in a
        # fixed number of queries whatever their number.
        "shipments": list(
            order.shipments.order_by("shipped_at", "pk").prefetch_related("lines__lot", "lines__order_line")
        ),
        "timeline": timeline(order, events),
        "pending_step": pending,
        "awaiting_my_decision": awaiting_us,
        "own_order": order.placed_by_id == membership.user_id,
        "reject_form": reject_form or _reject_form(order),
        "may_cancel": order.state in states.CANCELLABLE and _may_cancel(membership, order),
        "cancel_form": cancel_form or CancelForm(),
        "too_late_to_cancel": order.state in (S.PICKING, S.PARTLY_SHIPPED, S.SHIPPED),
        "reorder_url": reverse("ordering:order_detail", args=[order.number]) + "reorder/",
    }


@member_required
def order_detail(request, number: str):
    order = _order_for_member(request, number)
    return render(request, "ordering/order_detail.html", _detail_context(request, order))


@require_POST
@member_required
def order_cancel(request, number: str):
    order = _order_for_member(request, number)
    if not _may_cancel(request.membership, order):
        messages.error(
            request, _("Only the person who placed this order, an approver or a company admin can cancel it.")
        )
        return redirect("ordering:order_detail", order.number)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return render(request, "ordering/order_detail.html", _detail_context(request, order, cancel_form=form))
    try:
        services.cancel_order(order=order, user=request.user, reason=form.cleaned_data["reason"].strip())
    except services.OrderingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Order %(number)s is cancelled.") % {"number": order.number})
    return redirect("ordering:order_detail", order.number)


# Customer approvals -------------------------------------------------------------------------


def _queue(request) -> list[Order]:
    pending = ApprovalStep.objects.filter(customer_side=True, status=ApprovalStep.Status.PENDING)
    return list(
        scoped(request, Order.objects.filter(state=S.AWAITING_CUSTOMER_APPROVAL))
        .select_related("placed_by")
        .prefetch_related(Prefetch("approval_steps", queryset=pending, to_attr="pending_steps"), "lines")
        .order_by("placed_at", "pk")  # the longest waiting first
    )


def _approvals_context(request, *, reject_forms: dict | None = None) -> dict:
    reject_forms = reject_forms or {}
    orders = _queue(request)
    now = timezone.now()
    for order in orders:
        order.pending_step = order.pending_steps[0] if order.pending_steps else None
        order.overdue = bool(order.pending_step and order.pending_step.due_at and order.pending_step.due_at < now)
        order.reject_form = reject_forms.get(order.pk) or _reject_form(order)
    recent = (
        ApprovalStep.objects.filter(
            order__company=request.membership.company,
            customer_side=True,
            decided_at__gte=now - timedelta(days=RECENT_DECISIONS_DAYS),
        )
        .select_related("order", "decided_by")
        .order_by("-decided_at")[:20]
    )
    return {"orders": orders, "recent_decisions": list(recent), "recent_days": RECENT_DECISIONS_DAYS}


@member_required(roles=APPROVER_ROLES)
def approvals(request):
    return render(request, "ordering/approvals.html", _approvals_context(request))


def _back_to(request) -> str:
    return "ordering:approvals" if request.POST.get("back") == "approvals" else "ordering:order_detail"


def _already_decided_message(order: Order, user) -> str | None:
    """When a colleague decided first: who, how and when, instead of the bare state."""
    step = (
        ApprovalStep.objects.filter(order=order, customer_side=True, decided_by__isnull=False)
        .exclude(decided_by=user)
        .select_related("decided_by")
        .order_by("-decided_at")
        .first()
    )
    if step is None:
        return None
    when = date_format(timezone.localtime(step.decided_at), "DATETIME_FORMAT")
    if step.status == ApprovalStep.Status.APPROVED:
        text = _("%(person)s already approved order %(number)s on %(when)s.")
    else:
        text = _("%(person)s already rejected order %(number)s on %(when)s.")
    return text % {"person": step.decided_by, "number": order.number, "when": when}


def _decide(request, number: str, *, approve: bool):
    order = _order_for_member(request, number)
    back = _back_to(request)
    comment = ""
    if not approve:
        form = _reject_form(order, request.POST)
        if not form.is_valid():
            # Show the page the approver came from again, with the error beside the field.
            if back == "ordering:approvals":
                context = _approvals_context(request, reject_forms={order.pk: form})
                return render(request, "ordering/approvals.html", context)
            context = _detail_context(request, order, reject_form=form)
            return render(request, "ordering/order_detail.html", context)
        comment = form.cleaned_data["reason"].strip()
    try:
        services.decide_customer_approval(order=order, membership=request.membership, approve=approve, comment=comment)
    except services.OrderingError as error:
        messages.error(request, _already_decided_message(order, request.user) or str(error))
    else:
        order.refresh_from_db(fields=["state"])
        if approve:
            messages.success(request, _approved_message(order))
        else:
            messages.success(request, _("You rejected order %(number)s.") % {"number": order.number})
    if back == "ordering:approvals":
        return redirect(back)
    return redirect(back, order.number)


def _approved_message(order: Order) -> str:
    """What the approver's decision did, and who decides next."""
    if order.state == S.AWAITING_APPROVAL:
        step = order.approval_steps.filter(status=ApprovalStep.Status.PENDING).first()
        return _("You approved order %(number)s; it now goes to our approvers (%(reason)s).") % {
            "number": order.number,
            "reason": phrases.render(step.phrase) if step else "",
        }
    if order.state == S.CREDIT_HOLD:
        return _("You approved order %(number)s; it now goes to our finance team, as it is on credit hold.") % {
            "number": order.number
        }
    return _("You approved order %(number)s; it is now %(state)s.") % {
        "number": order.number,
        "state": order.get_state_display().lower(),
    }


@require_POST
@member_required(roles=APPROVER_ROLES)
def order_approve(request, number: str):
    return _decide(request, number, approve=True)


@require_POST
@member_required(roles=APPROVER_ROLES)
def order_reject(request, number: str):
    return _decide(request, number, approve=False)
