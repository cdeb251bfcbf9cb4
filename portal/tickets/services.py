"""Service tickets: the verbs (keyword-only, one transaction each).

- `open_ticket(company=..., user=..., kind=..., subject=..., text=..., about=..., photos=...)`:
  a member opens a ticket about one thing of the company's (`about`: "order:<id>", "line:<id>",
  "shipment:<id>", "lot:<id>" (a lot shipped to the company), "invoice:<id>"); anything not the
  company's is refused. The clock starts (`clock.due_times`); the rep, or the staff handling
  the kind, hear of it (TICKET_OPENED).
- `customer_reply`, `staff_reply` (an `internal` note the customer never sees; the first answer
  to the customer stops the first-response clock), `assign`, `resolve` (with the resolution
  text; also stops the first-response clock), `reopen`, `rate` (1–5 and a comment, once per
  resolution).
- From billing's signals (`receivers`): `open_for_statement_dispute`, `resolve_with_statement`.
- The task `send_breach_notices` (scheduled in portal/schedule.py): each breach told once to
  the assignee (or the rep) and the managers (TICKET_BREACHED).

The customer hears of staff replies and resolutions, the assignee of the customer's replies
(TICKET_UPDATED). Locks: the ticket row (`_locked`) before anything else of it.
"""

import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts import roles
from accounts.models import Membership, NotificationKind
from accounts.services import notify
from billing.models import Statement, StatementDispute
from billing.services.statements import entry_reference
from kit import phrases as kit_phrases
from kit.uploads import validate_photo

from . import clock, phrases, selectors
from .models import Ticket, TicketKind, TicketMessage, TicketPhoto

MAX_PHOTOS = 5
MAX_TEXT = 4000


class TicketError(Exception):
    """A ticket change that breaks a rule; the message is for the user."""


def ticket_number(pk: int) -> str:
    return f"TK-{pk:06d}"


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("company").get(pk=ticket.pk)


def _text(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise TicketError(_("%(field)s: write something.") % {"field": field})
    if len(text) > MAX_TEXT:
        raise TicketError(_("%(field)s: at most 4,000 characters.") % {"field": field})
    return text


# --- What a ticket is about ------------------------------------------------------------------------


def subject_fields(company, about: str) -> dict:
    """The ticket's foreign keys for `about` ("order:12"), only among the company's own."""
    what, _sep, pk = (about or "").partition(":")
    refused = TicketError(_("What it is about: choose one of your orders, shipments, lots or invoices."))
    if not pk.isdigit():
        raise refused
    pk = int(pk)
    if what == "order":
        order = selectors.company_orders(company).filter(pk=pk).first()
        if order:
            return {"order": order}
    elif what == "line":
        line = selectors.company_order_lines(company).filter(pk=pk).first()
        if line:
            return {"order_line": line, "order": line.order}
    elif what == "shipment":
        shipment = selectors.company_shipments(company).filter(pk=pk).first()
        if shipment:
            return {"shipment": shipment, "order": shipment.order}
    elif what == "lot":
        lot = selectors.lots_received_by(company).filter(pk=pk).first()
        if lot:
            return {"lot": lot}
    elif what == "invoice":
        invoice = selectors.company_invoices(company).filter(pk=pk).first()
        if invoice:
            return {"invoice": invoice}
    raise refused


def check_photos(photos) -> list[tuple[object, str]]:
    """Each photo with the type found in it; all refused if one is (a ValidationError's words
    name the photo)."""
    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS:
        raise TicketError(_("Photos: at most %(count)s at once.") % {"count": MAX_PHOTOS})
    checked = []
    for upload in photos:
        try:
            checked.append((upload, validate_photo(upload)))
        except ValidationError as error:
            raise TicketError(
                _("Photo “%(name)s”: %(reason)s") % {"name": upload.name[:100], "reason": " ".join(error.messages)}
            ) from error
    return checked


def _store_photos(ticket, message, user, checked, now) -> None:
    for upload, extension in checked:
        photo = TicketPhoto(ticket=ticket, message=message, name=upload.name, uploaded_by=user, uploaded_at=now)
        photo.file.save(f"photo.{extension}", upload, save=False)
        photo.save()


# --- Opening ---------------------------------------------------------------------------------------


def open_ticket(*, company, user, kind: str, subject: str, text: str, about: str, photos=()) -> Ticket:
    if kind not in TicketKind.values or kind == TicketKind.STATEMENT_DISPUTE:
        # Statement disputes are opened from the statement (billing), with the lines disputed.
        raise TicketError(_("Kind: choose what kind of problem it is."))
    subject = (subject or "").strip()
    if not subject or len(subject) > 200:
        raise TicketError(_("Subject: write one line of up to 200 characters."))
    text = _text(text, _("What happened"))
    fields = subject_fields(company, about)
    checked = check_photos(photos)
    with transaction.atomic():
        ticket = _create(company=company, user=user, kind=kind, subject=subject, text=text, fields=fields)
        _store_photos(ticket, ticket.messages.get(), user, checked, ticket.opened_at)
        _tell_opened(ticket)
    return ticket


def _create(*, company, user, kind, subject, text, fields) -> Ticket:
    now = timezone.now()
    respond_by, resolve_by = clock.due_times(kind, now)
    ticket = Ticket.objects.create(
        number=f"new-{uuid.uuid4().hex[:16]}",  # replaced by TK-…, its id, below
        company=company,
        kind=kind,
        subject=subject,
        opened_by=user,
        opened_at=now,
        respond_by=respond_by,
        resolve_by=resolve_by,
        **fields,
    )
    ticket.number = ticket_number(ticket.pk)
    ticket.save(update_fields=["number"])
    TicketMessage.objects.create(ticket=ticket, author=user, text=text, created_at=now)
    return ticket


def _params(ticket: Ticket, **extra) -> dict:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "company": str(ticket.company),
        "kind": kit_phrases.phrase(phrases.kind_code(ticket.kind)),
        **extra,
    }


def _staff_url(ticket: Ticket) -> str:
    return reverse("tickets_backoffice:ticket", args=[ticket.pk])


def _customer_url(ticket: Ticket) -> str:
    return reverse("tickets:ticket", args=[ticket.number])


def _tell_opened(ticket: Ticket) -> None:
    notify(
        users=selectors.first_to_hear(ticket),
        kind=NotificationKind.TICKET_OPENED,
        params=_params(ticket),
        url=_staff_url(ticket),
    )


def _tell_customer(ticket: Ticket, event: str) -> None:
    """The person who opened it and the company's admins, in the portal of that company."""
    admins = [
        m.user
        for m in Membership.objects.filter(company=ticket.company, role=Membership.Role.ADMIN).select_related("user")
    ]
    notify(
        users=[ticket.opened_by, *admins] if event == phrases.EVENT_RESOLVED else [ticket.opened_by],
        kind=NotificationKind.TICKET_UPDATED,
        company=ticket.company,
        params=_params(ticket, event=kit_phrases.phrase(event)),
        url=_customer_url(ticket),
    )


def _tell_staff(ticket: Ticket, event: str, users) -> None:
    notify(
        users=users,
        kind=NotificationKind.TICKET_UPDATED,
        params=_params(ticket, event=kit_phrases.phrase(event)),
        url=_staff_url(ticket),
    )


# --- The conversation ------------------------------------------------------------------------------


def customer_reply(*, ticket: Ticket, user, text: str, photos=()) -> TicketMessage:
    text = _text(text, _("Message"))
    checked = check_photos(photos)
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.state != Ticket.State.OPEN:
            raise TicketError(_("This ticket is resolved: rate the answer, or open a new ticket."))
        if ticket.photos.count() + len(checked) > MAX_PHOTOS * 4:
            raise TicketError(_("Photos: this ticket has as many as it may hold."))
        now = timezone.now()
        message = TicketMessage.objects.create(ticket=ticket, author=user, text=text, created_at=now)
        _store_photos(ticket, message, user, checked, now)
        hearing = [ticket.assignee] if ticket.assignee_id else selectors.first_to_hear(ticket)
        _tell_staff(ticket, phrases.EVENT_CUSTOMER_REPLIED, hearing)
    return message


def staff_reply(*, ticket: Ticket, user, text: str, internal: bool = False) -> TicketMessage:
    text = _text(text, _("Message"))
    with transaction.atomic():
        ticket = _locked(ticket)
        now = timezone.now()
        message = TicketMessage.objects.create(
            ticket=ticket, author=user, by_staff=True, internal=internal, text=text, created_at=now
        )
        if not internal:
            if ticket.first_response_at is None:
                ticket.first_response_at = now
                ticket.save(update_fields=["first_response_at"])
            _tell_customer(ticket, phrases.EVENT_STAFF_REPLIED)
    return message


def assign(*, ticket: Ticket, assignee, user) -> Ticket:
    with transaction.atomic():
        ticket = _locked(ticket)
        if assignee is not None and assignee not in selectors.ticket_handlers(kind=ticket.kind, company=ticket.company):
            raise TicketError(_("Assign to: choose a colleague who handles this customer's tickets of this kind."))
        ticket.assignee = assignee
        ticket.save(update_fields=["assignee"])
        if assignee is not None and assignee != user:
            _tell_staff(ticket, phrases.EVENT_ASSIGNED, [assignee])
    return ticket


def resolve(*, ticket: Ticket, user, resolution: str) -> Ticket:
    resolution = _text(resolution, _("Resolution"))
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.state == Ticket.State.RESOLVED:
            raise TicketError(_("This ticket is resolved already."))
        _resolve(ticket, user, resolution)
    return ticket


def _resolve(ticket: Ticket, user, resolution: str) -> None:
    now = timezone.now()
    ticket.state = Ticket.State.RESOLVED
    ticket.resolved_at = now
    ticket.resolved_by = user
    ticket.resolution = resolution
    # The resolution answers the customer: if nobody had, it is the first answer too.
    ticket.first_response_at = ticket.first_response_at or now
    ticket.save(update_fields=["state", "resolved_at", "resolved_by", "resolution", "first_response_at"])
    _tell_customer(ticket, phrases.EVENT_RESOLVED)


def reopen(*, ticket: Ticket, user, reason: str) -> Ticket:
    reason = _text(reason, _("Why it is reopened"))
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.state != Ticket.State.RESOLVED:
            raise TicketError(_("Only a resolved ticket can be reopened."))
        ticket.state = Ticket.State.OPEN
        ticket.resolved_at = None
        ticket.resolved_by = None
        # The customer rates the next resolution afresh.
        ticket.rating, ticket.rating_comment, ticket.rated_at = None, "", None
        ticket.resolution_breach_notified_at = None
        ticket.save(
            update_fields=[
                "state",
                "resolved_at",
                "resolved_by",
                "rating",
                "rating_comment",
                "rated_at",
                "resolution_breach_notified_at",
            ]
        )
        TicketMessage.objects.create(ticket=ticket, author=user, by_staff=True, text=reason, created_at=timezone.now())
        _tell_customer(ticket, phrases.EVENT_REOPENED)
    return ticket


def rate(*, ticket: Ticket, user, rating: int, comment: str = "") -> Ticket:
    comment = (comment or "").strip()
    if rating not in range(1, 6):
        raise TicketError(_("Rating: choose 1 to 5 stars."))
    if len(comment) > 1000:
        raise TicketError(_("Comment: at most 1,000 characters."))
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.state != Ticket.State.RESOLVED:
            raise TicketError(_("A ticket is rated once it is resolved."))
        if ticket.rated_at is not None:
            raise TicketError(_("This resolution is rated already."))
        ticket.rating, ticket.rating_comment, ticket.rated_at = rating, comment, timezone.now()
        ticket.save(update_fields=["rating", "rating_comment", "rated_at"])
        hearing = [u for u in (ticket.assignee, ticket.resolved_by) if u is not None]
        _tell_staff(ticket, phrases.EVENT_RATED, hearing)
    return ticket


# --- Statement disputes (billing's signals) ----------------------------------------------------------


def open_for_statement_dispute(*, statement_id: int, dispute_ids: list[int], user_id: int) -> Ticket:
    """The statement's open dispute ticket gets the new lines, or a new one is opened."""
    statement = Statement.objects.select_related("company").get(pk=statement_id)
    user = get_user_model().objects.get(pk=user_id)
    disputes = (
        StatementDispute.objects.filter(pk__in=dispute_ids)
        .select_related("entry__invoice", "entry__payment")
        .order_by("pk")
    )
    text = "\n".join(f"{entry_reference(d.entry) or d.entry_id}: {d.comment}" for d in disputes)
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .filter(statement=statement, kind=TicketKind.STATEMENT_DISPUTE, state=Ticket.State.OPEN)
            .first()
        )
        if ticket is not None:
            TicketMessage.objects.create(ticket=ticket, author=user, text=text, created_at=timezone.now())
            return ticket
        ticket = _create(
            company=statement.company,
            user=user,
            kind=TicketKind.STATEMENT_DISPUTE,
            subject=_("Statement %(number)s disputed") % {"number": statement.number},
            text=text,
            fields={"statement": statement},
        )
        _tell_opened(ticket)
    return ticket


def resolve_with_statement(*, statement_id: int, dispute_id: int, user_id: int, statement_resolved: bool) -> None:
    """Finance's answer is the ticket's reply; the last answer resolves it."""
    user = get_user_model().objects.get(pk=user_id)
    dispute = StatementDispute.objects.select_related("entry__invoice", "entry__payment").get(pk=dispute_id)
    line = entry_reference(dispute.entry) or dispute.entry_id
    answer = f"{line}: {dispute.get_resolution_display()}: {dispute.resolution_text}"
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("company")
            .filter(statement_id=statement_id, kind=TicketKind.STATEMENT_DISPUTE, state=Ticket.State.OPEN)
            .first()
        )
        if ticket is None:
            return
        now = timezone.now()
        TicketMessage.objects.create(ticket=ticket, author=user, by_staff=True, text=answer, created_at=now)
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            ticket.save(update_fields=["first_response_at"])
        if statement_resolved:
            _resolve(ticket, user, _("Every disputed line of the statement is answered."))


# --- Breaches ------------------------------------------------------------------------------------------


def _managers() -> list:
    return list(get_user_model().objects.filter(groups__name=roles.MANAGER, is_active=True).order_by("pk"))


@task()
def send_breach_notices() -> int:
    """Tell each breach once: the assignee (or the company's rep, or the handlers) and the
    managers. The notice is claimed by a conditional update, so two runs at once tell it once."""
    now = timezone.now()
    told = 0
    breaches = (
        ("response", clock.response_breached(now), "response_breach_notified_at", phrases.TARGET_RESPONSE),
        ("resolution", clock.resolution_breached(now), "resolution_breach_notified_at", phrases.TARGET_RESOLUTION),
    )
    for _name, condition, field, target in breaches:
        pending = Ticket.objects.filter(condition, **{f"{field}__isnull": True}).select_related(
            "company__sales_rep", "assignee"
        )
        for ticket in pending:
            with transaction.atomic():
                if not Ticket.objects.filter(pk=ticket.pk, **{f"{field}__isnull": True}).update(**{field: now}):
                    continue
                owner = [ticket.assignee] if ticket.assignee_id else selectors.first_to_hear(ticket)
                due = ticket.respond_by if target == phrases.TARGET_RESPONSE else ticket.resolve_by
                notify(
                    users=[*owner, *_managers()],
                    kind=NotificationKind.TICKET_BREACHED,
                    params=_params(ticket, target=kit_phrases.phrase(target), due=kit_phrases.moment(due)),
                    url=_staff_url(ticket),
                )
                told += 1
    return told
