"""The audit trail: who changed a record, when, each field before and after.

Records are kept by django-simple-history (`HistoricalRecords` on the model; the middleware
`simple_history.middleware.HistoryRequestMiddleware` tells it who). Bulk writes send no signals:
code that writes audited rows in bulk records their history itself
(`simple_history.utils.bulk_create_with_history` / `bulk_update_with_history`, or the history
manager's `bulk_history_create`).

`field_changes(records)` turns a queryset of historical records into `Change`s for a screen, in a
fixed number of queries whatever the number of rows: the records, the predecessors of the oldest
ones, and one query per related model named. Field names are the models' translated verbose
names; values are shown as the back office shows them (choices' labels, related rows' names,
dates in SHORT_DATE_FORMAT).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.db.models import Max
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from simple_history import models as simple_history_models

EMPTY = "—"
NOT_RECORDED = _("(not recorded)")
KINDS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}


class HistoricalRecords(simple_history_models.HistoricalRecords):
    """simple-history's, for models edited in Wagtail too: a `ParentalKey` (modelcluster) becomes a
    plain foreign key on the historical model (modelcluster refuses the related_name "+" the
    historical copy needs)."""

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        for copied in fields.values():
            if isinstance(copied, ParentalKey):
                # What simple-history does for OrderWrt: the copy is already built, only its
                # class's behaviour (modelcluster's checks and child relation) is dropped.
                copied.__class__ = models.ForeignKey
        return fields


def user_from(field_name: str):
    """A `get_user` for `HistoricalRecords`: the signed-in user of the request, else the row's
    own actor field (a service's `actor=`: the ledger allocating a payment in the task worker
    or a shell still names who asked)."""

    def get_user(instance, request=None, **kwargs):
        if request is not None:
            return request.user
        return getattr(instance, field_name, None)

    return get_user


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class Change:
    type: str  # simple-history's: "+" created, "~" changed, "-" deleted
    when: datetime
    who: str
    kind: str
    record: str
    fields: list[FieldChange] = field(default_factory=list)


def _audited_fields(history_model, excluded: set[str]) -> list:
    model = history_model.instance_type
    names = {f.name for f in history_model.tracked_fields}
    return [f for f in model._meta.concrete_fields if f.name in names and f.name not in excluded and not f.primary_key]


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return str(_("the system"))
    return user.get_full_name() or user.email or user.get_username()


class _Values:
    """Shows a field's stored value; related rows are fetched once per model for a whole page."""

    def __init__(self, fields: list, records: list):
        self.related: dict[type, dict] = {}
        wanted = defaultdict(set)
        for f in fields:
            if f.is_relation:
                for record in records:
                    value = getattr(record, f.attname)
                    if value is not None:
                        wanted[f.related_model].add(value)
        for model, pks in wanted.items():
            self.related[model] = {obj.pk: obj for obj in model._default_manager.filter(pk__in=pks)}

    def show(self, f, value) -> str:
        if value is None or value == "":
            return EMPTY
        if f.is_relation:
            obj = self.related.get(f.related_model, {}).get(value)
            return str(obj) if obj is not None else f"#{value}"
        if f.flatchoices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(value, bool):
            return str(_("Yes") if value else _("No"))
        if isinstance(value, datetime):
            return date_format(value, "SHORT_DATETIME_FORMAT")
        if isinstance(value, date):
            return date_format(value, "SHORT_DATE_FORMAT")
        return str(value)


def _object_id(history_model) -> str:
    """The attribute naming the recorded row: "id", or "company_id" for a row keyed by its company."""
    return history_model.instance_type._meta.pk.attname


def _predecessors(history_model, records: list) -> dict:
    """The record before each object's oldest record in `records` (older than all of them, since
    `records` are the newest ones), by history_id: two queries."""
    key = _object_id(history_model)
    page_ids = {r.history_id for r in records}
    object_ids = {getattr(r, key) for r in records}
    latest_before = (
        history_model.objects.filter(**{f"{key}__in": object_ids})
        .exclude(history_id__in=page_ids)
        .values(key)
        .annotate(last=Max("history_id"))
        .values_list("last", flat=True)
    )
    return {getattr(r, key): r for r in history_model.objects.filter(history_id__in=list(latest_before))}


def field_changes(records, *, label_fields: tuple[str, ...] = (), exclude: tuple[str, ...] = (), limit: int = 100):
    """The newest `limit` changes among `records` (historical records of one model), newest first."""
    history_model = records.model
    excluded = set(exclude)
    fields = _audited_fields(history_model, excluded)
    by_name = {f.name: f for f in history_model.instance_type._meta.concrete_fields}
    page = list(records.select_related("history_user").order_by("-history_date", "-history_id")[:limit])
    older = _predecessors(history_model, page)
    values = _Values(fields + [by_name[name] for name in label_fields], page + list(older.values()))

    # Walk oldest first, so each record meets the one before it.
    key = _object_id(history_model)
    previous = dict(older)
    changes = []
    for record in reversed(page):
        before = previous.get(getattr(record, key))
        previous[getattr(record, key)] = record
        change = Change(
            type=record.history_type,
            when=record.history_date,
            who=_who(record),
            kind=str(KINDS.get(record.history_type, record.history_type)),
            record=" ".join(values.show(by_name[name], getattr(record, by_name[name].attname)) for name in label_fields)
            or str(history_model.instance_type._meta.verbose_name),
        )
        for f in fields if record.history_type != "-" else []:
            new = getattr(record, f.attname)
            if record.history_type == "+":
                if new in (None, ""):
                    continue
                shown_before = EMPTY
            elif before is None:
                # A row written before the trail started, or in bulk without its history.
                shown_before = str(NOT_RECORDED)
            else:
                old = getattr(before, f.attname)
                if old == new:
                    continue
                shown_before = values.show(f, old)
            change.fields.append(FieldChange(capfirst(str(f.verbose_name)), shown_before, values.show(f, new)))
        if record.history_type == "~" and not change.fields:
            continue  # saved without a change
        changes.append(change)
    changes.reverse()
    return changes


@dataclass
class ChangeSection:
    heading: str
    changes: list[Change]
    show_record: bool = False
    limit: int = 100


class FieldChangesHistoryMixin:
    """For a Wagtail `HistoryView` (whose object the view already looked up in the user's scope):
    the record's field changes above Wagtail's log. Override `get_change_sections` to show more
    than the record's own changes (a price list's prices)."""

    template_name = "kit/admin/history.html"

    def get_change_sections(self) -> list[ChangeSection]:
        return [ChangeSection(_("Changes"), field_changes(self.object.history.all()))]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["change_sections"] = self.get_change_sections()
        return context
