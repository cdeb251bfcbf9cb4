"""The approval queue: one card per order waiting for the viewer, and the decision view."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.sidebar import LinkMenuItem as LinkMenuItemComponent

from accounts.models import CreditAccount
from kit import phrases
from kit.backoffice import (
    PermissionMenuItem,
    form_error_summary,
)
from kit.money import format_money

from .. import services, states
from ..models import ApprovalStep, Order, OrderEvent
from ..selectors import awaiting_decision_by, orders_for_staff
from ..services import OrderingError
from .common import CARDS_PER_PAGE, VIEW_ORDERS, BackOfficeViewMixin, S, _credit_account

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
            return phrases.render_all(self.order.hold_reasons, audience=phrases.STAFF)
        return [phrases.render(self.step.phrase, audience=phrases.STAFF)] if self.step else []

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
                ),
                "lines",  # what was ordered, on the card
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
    state = states.label(order.state, staff=True)
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
        messages.success(
            request,
            _decided_message(order, shown_state, approving=form.approving)
            % {"number": order.number, "state": states.label(order.state, staff=True)},
            buttons=[messages.button(reverse("orders:inspect", args=[order.pk]), _("View order"))],
        )
        return redirect("ordering_admin:approval_queue")


def _decided_message(order: Order, shown_state: str, *, approving: bool) -> str:
    """What the decision did, for the message above the queue (with %(number)s and %(state)s)."""
    if not approving:
        return _("Order %(number)s is rejected; the customer is told why.")
    if shown_state == S.CREDIT_HOLD:
        return _("Order %(number)s is released from credit hold: it is now %(state)s.")
    if order.state == S.AWAITING_APPROVAL:
        return _("Order %(number)s is approved; it now goes to the next approver.")
    if order.state == S.APPROVED:
        return _("Order %(number)s is approved and confirmed to the customer.")
    return _("Order %(number)s is approved: it is now %(state)s.")


def waiting_for_viewer(request) -> int | None:
    """How many orders wait for the viewer's decision (None if they may not see orders): one count
    query, once per request. It is the sidebar's live figure (`kit.backoffice.sidebar_badge`) and
    the Approvals item's label."""
    if not hasattr(request, "_approvals_waiting"):
        user = request.user
        request._approvals_waiting = awaiting_decision_by(user).count() if user.has_perm(VIEW_ORDERS) else None
    return request._approvals_waiting


class ApprovalsMenuItem(PermissionMenuItem):
    """ "Approvals" in the Orders menu, with the number of orders waiting for the viewer."""

    def render_component(self, request):
        count = waiting_for_viewer(request)
        label = _("%(label)s (%(count)s)") % {"label": self.label, "count": count} if count else self.label
        return LinkMenuItemComponent(
            self.name, label, self.url, icon_name=self.icon_name, classname=self.classname, attrs=self.attrs
        )
