"""The customer's rhythm, RFM tag and the notes of calls, visits and messages on the customer 360°
page (the `register_company_360_section` hook): one query each, whatever the history."""

from django.urls import reverse

from accounts.backoffice import CompanySection
from accounts.models import Company

from .backoffice import ADD_NOTE, VIEW_RHYTHM, NoteForm, contact_phone
from .metrics import days_text
from .models import CustomerRhythm, VisitNote

NOTES_ON_360 = 10


def _actions(request, company: Company) -> dict:
    if not request.user.has_perm(ADD_NOTE):
        return {}
    here = reverse("customers:inspect", args=[company.pk])
    return {
        "call_url": reverse("rhythm_admin:call", args=[company.pk]),
        "note_url": reverse("rhythm_admin:note", args=[company.pk]),
        "message_url": reverse("rhythm_admin:message", args=[company.pk]),
        "next": here,
    }


class RhythmSection(CompanySection):
    order = 26
    template_name = "rhythm/admin/company_360_rhythm.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context)
        rhythm = CustomerRhythm.objects.filter(company=self.company).first()
        context.update(
            rhythm=rhythm,
            interval=days_text(rhythm.interval_days) if rhythm else "",
            # The 360° view prefetched the contacts and addresses: no query here.
            phone=contact_phone(self.company),
            **_actions(self.request, self.company),
        )
        return context


class NotesSection(CompanySection):
    order = 27
    template_name = "rhythm/admin/company_360_notes.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context)
        notes = list(
            VisitNote.objects.filter(company=self.company)
            .select_related("author")
            .order_by("-at", "-pk")[:NOTES_ON_360]
        )
        actions = _actions(self.request, self.company)
        context.update(notes=notes, form=NoteForm() if actions else None, **actions)
        return context


def company_rhythm_section(request, company: Company) -> RhythmSection | None:
    if not request.user.has_perm(VIEW_RHYTHM):
        return None
    return RhythmSection(request, company)


def company_notes_section(request, company: Company) -> NotesSection | None:
    if not request.user.has_perm("rhythm.view_visitnote"):
        return None
    return NotesSection(request, company)
