"""Service tickets in the back office ("tickets_backoffice"): the queue (filters: state, kind,
assignee, breached), one ticket with the conversation and staff's actions (reply or internal
note, assign, resolve, reopen), its photos, and the Service dashboard (counts by kind, average
times against the targets, the breaches).

Who sees which tickets is `selectors.tickets_for_staff` (customers via `companies_for_staff`,
kinds by role); acting needs `tickets.change_ticket` too. A quality ticket on a lot links to the
lot's recall trace for those who may open it.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from catalog.backoffice import VIEW_STOCK
from kit.backoffice import PermissionTemplateMixin
from kit.uploads import photo_content_type
from ordering.fulfilment.backoffice.trace import lot_trace_url

from . import clock, selectors, services
from .forms import AssignForm, ReopenForm, ResolveForm, StaffReplyForm
from .models import Ticket, TicketKind, TicketPhoto

PER_PAGE = 50
BREACHES_SHOWN = 50
DASHBOARD_DAYS = (30, 90, 365)


def _with_clock(tickets, now):
    for ticket in tickets:
        ticket.clock = clock.clock(ticket, now)
    return tickets


class TicketQueueView(PermissionTemplateMixin, TemplateView):
    permission = selectors.VIEW_TICKETS
    page_title = gettext_lazy("Service tickets")
    header_icon = "help"
    template_name = "tickets/admin/queue.html"

    def filtered(self, now):
        get = self.request.GET
        tickets = selectors.tickets_for_staff(self.request.user).select_related("company", "assignee")
        state = get.get("state", Ticket.State.OPEN)
        if state in Ticket.State.values:
            tickets = tickets.filter(state=state)
        if get.get("kind") in TicketKind.values:
            tickets = tickets.filter(kind=get["kind"])
        assignee = get.get("assignee", "")
        if assignee == "me":
            tickets = tickets.filter(assignee=self.request.user)
        elif assignee == "none":
            tickets = tickets.filter(assignee__isnull=True)
        elif assignee.isdigit():
            tickets = tickets.filter(assignee_id=int(assignee))
        if get.get("breached") == "1":
            tickets = tickets.filter(clock.breached(now))
        company = get.get("company", "")
        if company.isdigit():
            tickets = tickets.filter(company_id=int(company))
        return tickets, state

    def get_context_data(self, **kwargs):
        now = timezone.now()
        tickets, state = self.filtered(now)
        # Open tickets: the one due soonest first; resolved ones: the latest first.
        order = ("resolve_by", "pk") if state == Ticket.State.OPEN else ("-opened_at", "-pk")
        page = Paginator(tickets.order_by(*order), PER_PAGE).get_page(self.request.GET.get("p"))
        return super().get_context_data(
            page=page,
            tickets=_with_clock(list(page.object_list), now),
            state=state,
            states=Ticket.State.choices,
            kinds=[
                (kind, label)
                for kind, label in TicketKind.choices
                if kind in selectors.kinds_for_staff(self.request.user)
            ],
            handlers=selectors.ticket_handlers(),
            filters=self.request.GET,
            **kwargs,
        )


class TicketMixin(PermissionTemplateMixin):
    permission = selectors.VIEW_TICKETS

    @cached_property
    def ticket(self) -> Ticket:
        queryset = selectors.tickets_for_staff(self.request.user).select_related(
            "company",
            "assignee",
            "opened_by",
            "resolved_by",
            "order",
            "order_line",
            "shipment",
            "lot__product",
            "invoice",
            "statement",
        )
        return get_object_or_404(queryset, pk=self.kwargs["pk"])


class TicketDetailView(TicketMixin, TemplateView):
    page_title = gettext_lazy("Service ticket")
    header_icon = "help"
    template_name = "tickets/admin/ticket.html"

    def get_page_subtitle(self):
        return f"{self.ticket.number} · {self.ticket.company}"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("tickets_backoffice:queue"), "label": _("Service tickets")},
            {"url": "", "label": self.ticket.number},
        ]

    def get_context_data(self, forms=None, **kwargs):
        ticket = self.ticket
        user = self.request.user
        may_act = user.has_perm(selectors.HANDLE_TICKETS)
        handlers = selectors.ticket_handlers(kind=ticket.kind, company=ticket.company) if may_act else []
        forms = forms or {}
        if may_act:
            forms.setdefault("reply", StaffReplyForm())
            forms.setdefault("assign", AssignForm(initial={"assignee": ticket.assignee_id or ""}, handlers=handlers))
            if ticket.state == Ticket.State.OPEN:
                forms.setdefault("resolve", ResolveForm())
            else:
                forms.setdefault("reopen", ReopenForm())
        trace_url = ""
        if ticket.lot_id and ticket.kind == TicketKind.QUALITY and user.has_perm(VIEW_STOCK):
            trace_url = lot_trace_url(ticket.lot_id)
        return super().get_context_data(
            ticket=ticket,
            clock=clock.clock(ticket, timezone.now()),
            conversation=list(ticket.messages.select_related("author").prefetch_related("photos")),
            forms=forms,
            trace_url=trace_url,
            company_url=reverse("customers:inspect", args=[ticket.company_id])
            if user.has_perm("accounts.view_company")
            else "",
            **kwargs,
        )

    ACTIONS = {"reply", "assign", "resolve", "reopen"}

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action not in self.ACTIONS or not request.user.has_perm(selectors.HANDLE_TICKETS):
            return redirect("tickets_backoffice:ticket", self.ticket.pk)
        ticket = self.ticket
        if action == "assign":
            form = AssignForm(
                request.POST, handlers=selectors.ticket_handlers(kind=ticket.kind, company=ticket.company)
            )
        else:
            form = {"reply": StaffReplyForm, "resolve": ResolveForm, "reopen": ReopenForm}[action](request.POST)
        if form.is_valid():
            try:
                done = self._act(action, form)
            except services.TicketError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, done)
                return redirect("tickets_backoffice:ticket", ticket.pk)
        return self.render_to_response(self.get_context_data(forms={action: form}))

    def _act(self, action: str, form) -> str:
        ticket, user, data = self.ticket, self.request.user, form.cleaned_data
        if action == "reply":
            services.staff_reply(ticket=ticket, user=user, text=data["text"], internal=data["internal"])
            return _("Your note is kept.") if data["internal"] else _("Your reply is sent to the customer.")
        if action == "assign":
            services.assign(ticket=ticket, assignee=form.chosen_assignee(), user=user)
            return _("The ticket's assignee is saved.")
        if action == "resolve":
            services.resolve(ticket=ticket, user=user, resolution=data["resolution"])
            return _("The ticket is resolved; the customer has been told.")
        services.reopen(ticket=ticket, user=user, reason=data["reason"])
        return _("The ticket is open again.")


class TicketPhotoView(TicketMixin, View):
    def get(self, request, *args, **kwargs):
        photo = get_object_or_404(TicketPhoto.objects.filter(ticket=self.ticket), pk=kwargs["photo_id"])
        return FileResponse(photo.file.open("rb"), content_type=photo_content_type(photo.file.name))


class ServiceDashboardView(PermissionTemplateMixin, TemplateView):
    """The manager's service figures (a rep: their customers'; the warehouse: its kinds)."""

    permission = selectors.VIEW_TICKETS
    page_title = gettext_lazy("Service")
    header_icon = "time"
    template_name = "tickets/admin/dashboard.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        days = int(self.request.GET["days"]) if self.request.GET.get("days") in {str(d) for d in DASHBOARD_DAYS} else 90
        tickets = selectors.tickets_for_staff(self.request.user).filter(opened_at__gte=now - timedelta(days=days))
        breaches = (
            tickets.filter(clock.breached(now)).select_related("company", "assignee").order_by("-opened_at", "-pk")
        )
        figures = clock.figures_by_kind(tickets, now)
        return super().get_context_data(
            days=days,
            day_choices=DASHBOARD_DAYS,
            figures=[f for f in figures if f.kind in selectors.kinds_for_staff(self.request.user)],
            breaches=_with_clock(list(breaches[:BREACHES_SHOWN]), now),
            breach_count=sum(f.breached for f in figures),
            queue_url=reverse("tickets_backoffice:queue"),
            **kwargs,
        )


urlpatterns = [
    path("", TicketQueueView.as_view(), name="queue"),
    path("service/", ServiceDashboardView.as_view(), name="dashboard"),
    path("<int:pk>/", TicketDetailView.as_view(), name="ticket"),
    path("<int:pk>/photos/<int:photo_id>/", TicketPhotoView.as_view(), name="photo"),
]
