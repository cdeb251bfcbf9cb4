"""A ticket's clock: when it must be answered and resolved, how long it took, and breaches.

The targets per kind are the manager's (`ServiceTarget`, Settings → "Service targets"); a kind
without a row falls back to DEFAULT_TARGETS (the same values migration 0002 seeds). A ticket's
due times are fixed when it opens (`due_times`). A breach is a due time passed without the
event ("running": still unanswered or unresolved now), or the event after its due time
("closed"). The same rules are written once as Python (`clock`, for one ticket) and once as
database conditions (`response_breached`, `resolution_breached`, for lists and counts).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet

from .models import ServiceTarget, TicketKind

# kind → (first response hours, resolution hours)
DEFAULT_TARGETS: dict[str, tuple[int, int]] = {
    TicketKind.QUALITY: (4, 48),
    TicketKind.MISSING_ITEM: (4, 24),
    TicketKind.LATE_DELIVERY: (2, 24),
    TicketKind.TEMPERATURE: (2, 24),
    TicketKind.TECHNICAL_QUESTION: (8, 72),
    TicketKind.STATEMENT_DISPUTE: (24, 120),
}


def targets() -> dict[str, tuple[int, int]]:
    """Every kind's (first response, resolution) hours: the manager's, else the defaults."""
    found = {t.kind: (t.first_response_hours, t.resolution_hours) for t in ServiceTarget.objects.all()}
    return {kind: found.get(kind, DEFAULT_TARGETS[kind]) for kind in TicketKind.values}


def due_times(kind: str, opened_at: datetime) -> tuple[datetime, datetime]:
    response_hours, resolution_hours = targets()[kind]
    return opened_at + timedelta(hours=response_hours), opened_at + timedelta(hours=resolution_hours)


@dataclass(frozen=True)
class Clock:
    response_target: timedelta
    resolution_target: timedelta
    # How long it took, or (still running) how long it has been so far.
    to_first_response: timedelta
    to_resolution: timedelta
    responded: bool
    resolved: bool
    response_breached: bool
    resolution_breached: bool

    @property
    def breached(self) -> bool:
        return self.response_breached or self.resolution_breached


def clock(ticket, now: datetime) -> Clock:
    """One ticket's clock as of `now`."""
    responded = ticket.first_response_at is not None
    resolved = ticket.resolved_at is not None
    answered_at = ticket.first_response_at if responded else now
    resolved_at = ticket.resolved_at if resolved else now
    return Clock(
        response_target=ticket.respond_by - ticket.opened_at,
        resolution_target=ticket.resolve_by - ticket.opened_at,
        to_first_response=answered_at - ticket.opened_at,
        to_resolution=resolved_at - ticket.opened_at,
        responded=responded,
        resolved=resolved,
        response_breached=answered_at > ticket.respond_by,
        resolution_breached=resolved_at > ticket.resolve_by,
    )


def response_breached(now: datetime) -> Q:
    return Q(first_response_at__isnull=True, respond_by__lt=now) | Q(first_response_at__gt=F("respond_by"))


def resolution_breached(now: datetime) -> Q:
    return Q(resolved_at__isnull=True, resolve_by__lt=now) | Q(resolved_at__gt=F("resolve_by"))


def breached(now: datetime) -> Q:
    return response_breached(now) | resolution_breached(now)


def _duration(end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F("opened_at"), output_field=DurationField())


@dataclass(frozen=True)
class KindFigures:
    kind: str
    label: str
    opened: int
    still_open: int
    breached: int
    average_first_response: timedelta | None
    average_resolution: timedelta | None
    response_target: timedelta
    resolution_target: timedelta


def figures_by_kind(tickets: QuerySet, now: datetime) -> list[KindFigures]:
    """Per kind of `tickets`: how many opened, still open, breached (running or closed), and the
    average times to first response and to resolution (of those answered / resolved); one
    aggregate query plus the targets."""
    rows = {
        row["kind"]: row
        for row in tickets.order_by()
        .values("kind")
        .annotate(
            opened=Count("pk"),
            still_open=Count("pk", filter=Q(resolved_at__isnull=True)),
            breached=Count("pk", filter=breached(now)),
            average_first_response=Avg(_duration("first_response_at")),
            average_resolution=Avg(_duration("resolved_at")),
        )
    }
    hours = targets()
    figures = []
    for kind, label in TicketKind.choices:
        row = rows.get(kind, {})
        figures.append(
            KindFigures(
                kind=kind,
                label=label,
                opened=row.get("opened", 0),
                still_open=row.get("still_open", 0),
                breached=row.get("breached", 0),
                average_first_response=row.get("average_first_response"),
                average_resolution=row.get("average_resolution"),
                response_target=timedelta(hours=hours[kind][0]),
                resolution_target=timedelta(hours=hours[kind][1]),
            )
        )
    return figures
