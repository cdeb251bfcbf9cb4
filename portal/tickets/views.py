"""The customer's tickets under /portal/tickets/: the company's tickets, open one (from the
navbar, or "Report a problem" on an order, a line, a shipment, an invoice), one ticket with its
conversation (never staff's internal notes) and a reply, the rating, a photo. Everything is the
active company's: anything else answers 404 (accounts.access)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_for_member, member_required, scoped
from kit.uploads import photo_content_type

from . import clock, selectors, services
from .forms import RatingForm, ReplyForm, TicketForm
from .models import Ticket, TicketPhoto

PER_PAGE = 25
CHOICES_PER_GROUP = 30


def _ticket_of_member(request, number: str) -> Ticket:
    return get_for_member(
        request,
        Ticket.objects.select_related("order", "shipment", "lot__product", "invoice", "statement", "order_line"),
        number=number,
    )


@member_required
def ticket_list(request):
    """The active company's tickets, the latest first."""
    queryset = scoped(request, Ticket.objects.select_related("order", "shipment", "lot", "invoice", "statement"))
    page = Paginator(queryset.order_by("-opened_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tickets/ticket_list.html", {"page": page, "tickets": list(page.object_list)})


def _preselected(request) -> tuple[str, list]:
    """What "Report a problem" names (`?order=`, `?line=`, `?shipment=`, `?lot=`, `?invoice=`),
    only among the company's own (404 otherwise), as the form's value and an extra choice."""
    company = request.membership.company
    get = request.GET
    if number := get.get("shipment"):
        shipment = get_object_or_404(selectors.company_shipments(company), number=number)
        return f"shipment:{shipment.pk}", []
    if (line_id := get.get("line", "")).isdigit():
        line = get_object_or_404(selectors.company_order_lines(company), pk=int(line_id))
        return f"line:{line.pk}", [(f"line:{line.pk}", f"{line.order.number} · {line.sku} {line.name_en}")]
    if number := get.get("order"):
        order = get_object_or_404(selectors.company_orders(company), number=number)
        return f"order:{order.pk}", [(f"order:{order.pk}", order.number)]
    if (lot_id := get.get("lot", "")).isdigit():
        lot = get_object_or_404(selectors.lots_received_by(company), pk=int(lot_id))
        return f"lot:{lot.pk}", [(f"lot:{lot.pk}", f"{lot.number} · {lot.product.sku}")]
    if number := get.get("invoice"):
        invoice = get_object_or_404(selectors.company_invoices(company), number=number)
        return f"invoice:{invoice.pk}", [(f"invoice:{invoice.pk}", invoice.number)]
    return "", []


def _about_choices(company, extra: list) -> list:
    """The company's latest orders, shipments, lots received and invoices (grouped)."""
    n = CHOICES_PER_GROUP
    orders = [(f"order:{o.pk}", o.number) for o in selectors.company_orders(company).order_by("-pk")[:n]]
    shipments = [
        (f"shipment:{s.pk}", f"{s.number} · {s.order.number}")
        for s in selectors.company_shipments(company).order_by("-pk")[:n]
    ]
    lots = [
        (f"lot:{lot.pk}", f"{lot.number} · {lot.product.sku} {lot.product.name}")
        for lot in selectors.lots_received_by(company).order_by("-pk")[:n]
    ]
    invoices = [(f"invoice:{i.pk}", i.number) for i in selectors.company_invoices(company).order_by("-pk")[:n]]
    groups = [
        (_("Orders"), orders),
        (_("Order lines"), [choice for choice in extra if choice[0].startswith("line:")]),
        (_("Shipments"), shipments),
        (_("Lots received"), lots),
        (_("Invoices"), invoices),
    ]
    for value, label in extra:
        kind = value.split(":")[0]
        group = {"order": orders, "lot": lots, "invoice": invoices}.get(kind)
        if group is not None and all(v != value for v, _label in group):
            group.insert(0, (value, label))
    return [(label, choices) for label, choices in groups if choices]


@member_required
def ticket_new(request):
    company = request.membership.company
    initial_about, extra = _preselected(request)
    form = TicketForm(
        request.POST or None,
        request.FILES or None,
        initial={"about": initial_about},
        about_choices=_about_choices(company, extra),
    )
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.open_ticket(
                company=company,
                user=request.user,
                kind=form.cleaned_data["kind"],
                subject=form.cleaned_data["subject"],
                text=form.cleaned_data["text"],
                about=form.cleaned_data["about"],
                photos=form.cleaned_data["photos"],
            )
        except services.TicketError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Ticket %(number)s is open; we will answer soon.") % {"number": ticket.number})
            return redirect("tickets:ticket", ticket.number)
    return render(request, "tickets/ticket_new.html", {"form": form})


def _detail(request, ticket, reply_form=None, rating_form=None):
    conversation = ticket.messages.filter(internal=False).select_related("author").prefetch_related("photos")
    context = {
        "ticket": ticket,
        "conversation": list(conversation),
        "clock": clock.clock(ticket, timezone.now()),
        "reply_form": reply_form or (ReplyForm() if ticket.state == Ticket.State.OPEN else None),
        "rating_form": rating_form
        or (RatingForm() if ticket.state == Ticket.State.RESOLVED and ticket.rated_at is None else None),
    }
    return render(request, "tickets/ticket_detail.html", context)


@member_required
def ticket_detail(request, number):
    """One ticket and its conversation; a POST is the customer's reply."""
    ticket = _ticket_of_member(request, number)
    if request.method != "POST":
        return _detail(request, ticket)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.customer_reply(
                ticket=ticket, user=request.user, text=form.cleaned_data["text"], photos=form.cleaned_data["photos"]
            )
        except services.TicketError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your message is sent."))
            return redirect("tickets:ticket", ticket.number)
    return _detail(request, ticket, reply_form=form)


@require_POST
@member_required
def ticket_rate(request, number):
    ticket = _ticket_of_member(request, number)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate(
                ticket=ticket,
                user=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except services.TicketError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you for rating our answer."))
        return redirect("tickets:ticket", ticket.number)
    return _detail(request, ticket, rating_form=form)


@member_required
def ticket_photo(request, number, photo_id):
    """A photo of one of the company's tickets, as the type found when it was checked."""
    ticket = _ticket_of_member(request, number)
    photo = get_object_or_404(TicketPhoto.objects.filter(ticket=ticket), pk=photo_id)
    return FileResponse(photo.file.open("rb"), content_type=photo_content_type(photo.file.name))
