"""Helpers for ticket tests (and the tenancy sweep): photos made in memory, a ticket made from
rows when opening one is not the subject."""

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from portal.tickets.models import Ticket, TicketKind, TicketMessage, TicketPhoto


def image_bytes(fmt: str = "PNG", size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name: str = "thawed.png", content: bytes | None = None, content_type: str = "image/png"):
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type=content_type)


def make_ticket(company, user, *, kind=TicketKind.TECHNICAL_QUESTION, photo=False, opened_at=None, **fields) -> Ticket:
    """A ticket of `company` opened by `user` (its first message, optionally a PNG photo)."""
    opened_at = opened_at or timezone.now()
    ticket = Ticket.objects.create(
        number=f"TK-T{Ticket.objects.count() + 1:05d}-{company.pk}",
        company=company,
        kind=kind,
        subject="How long does it keep?",
        opened_by=user,
        opened_at=opened_at,
        respond_by=opened_at + timedelta(hours=8),
        resolve_by=opened_at + timedelta(hours=72),
        **fields,
    )
    message = TicketMessage.objects.create(ticket=ticket, author=user, text="Once thawed?", created_at=opened_at)
    if photo:
        stored = TicketPhoto(ticket=ticket, message=message, name="box.png", uploaded_by=user, uploaded_at=opened_at)
        stored.file.save("photo.png", ContentFile(image_bytes()), save=True)
    return ticket
