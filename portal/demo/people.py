"""Seeding the people, companies and content of the demo world from portal.demo.data."""

import textwrap
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.utils import timezone

from accounts import roles
from accounts.models import Address, Company, Contact, Licence, Membership, PriceTier, Region, User
from portal.pages.models import ContentPage, HomePage

from .data import (
    _COMPANY_ROWS,
    _STAFF_ROWS,
    ANNOUNCEMENTS,
    COMPANIES,
    DEMO_PASSWORD,
    HELP_PAGES,
    HOME_INTRO,
    HOME_INTRO_ZH,
    HOME_TITLE_ZH,
    PRICE_TIERS,
    REGIONS,
    SHARED_PEOPLE,
    STAFF,
    SUPERUSER,
)

# ---------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------


@dataclass
class SeedReport:
    """What a run did: rows created per kind (zero on a re-run) and remarks for the console."""

    created: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    # Short remarks of the dashboards' and tickets' steps, printed together (`insight_notes`).
    insight: list[str] = field(default_factory=list)

    def record(self, obj, created: bool) -> None:
        if created:
            self.created[str(obj._meta.verbose_name_plural)] += 1

    def insight_notes(self) -> list[str]:
        """The insight steps' remarks as one paragraph of console lines, so the summary and the
        logins still fit on one screen."""
        if not self.insight:
            return []
        return textwrap.wrap("Insight: " + "; ".join(self.insight) + ".", width=110)


class _DemoPassword:
    """Gives every demo user the demo password, hashing it once per run rather than per user.

    A user whose stored hash already matches keeps it, so a re-run writes nothing.
    """

    def __init__(self, raw: str):
        self.raw = raw
        self._encoded: str | None = None
        self._known_good: set[str] = set()

    def apply(self, user: User, *, created: bool) -> None:
        if user.password in self._known_good:
            return
        if not created and check_password(self.raw, user.password):
            self._known_good.add(user.password)
            return
        if self._encoded is None:
            self._encoded = make_password(self.raw)
            self._known_good.add(self._encoded)
        user.password = self._encoded
        user.save(update_fields=["password"])


def _upsert(report: SeedReport, model, lookup: dict, defaults: dict):
    obj, created = model.objects.update_or_create(defaults=defaults, **lookup)
    report.record(obj, created)
    return obj


def _user(report: SeedReport, password: _DemoPassword, row: dict, *, is_staff=False, is_superuser=False) -> User:
    user, created = User.objects.update_or_create(
        email=row["email"],
        defaults={
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "is_staff": is_staff,
            "is_superuser": is_superuser,
            "is_active": True,
        },
    )
    report.record(user, created)
    password.apply(user, created=created)
    # allauth signs in only with a verified address; the demo users' addresses are verified.
    EmailAddress.objects.filter(user=user, primary=True).exclude(email=user.email).update(primary=False)
    address, created = EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    report.record(address, created)
    return user


def customer_email(company_row: dict, role: str) -> str:
    return f"{role}@{company_row['domain']}"


def company_by_key(key: str) -> Company:
    """A seeded company by its key in COMPANIES (for later seeding steps)."""
    return Company.objects.get(tax_number=_COMPANY_ROWS[key]["tax_number"])


def seed_people(report: SeedReport) -> None:
    """Regions, price tiers, staff, companies with their addresses, contacts, licences and users."""
    roles.sync_staff_groups()  # normally done by migrate; makes sure every group exists
    password = _DemoPassword(DEMO_PASSWORD)
    today = timezone.localdate()

    regions = {
        row["code"]: _upsert(report, Region, {"code": row["code"]}, {"name": row["name"], "name_zh": row["name_zh"]})
        for row in REGIONS
    }
    tiers = {
        row["code"]: _upsert(report, PriceTier, {"code": row["code"]}, {"name": row["name"], "name_zh": row["name_zh"]})
        for row in PRICE_TIERS
    }

    _user(report, password, SUPERUSER, is_staff=True, is_superuser=True)
    reps = {}
    for row in STAFF:
        user = _user(report, password, row, is_staff=True)
        user.groups.set([Group.objects.get(name=row["group"])])
        if row["group"] == roles.SALES_REP:
            reps[row["region"]] = user

    for row in COMPANIES:
        company = _upsert(
            report,
            Company,
            {"tax_number": row["tax_number"]},
            {
                "legal_name": row["legal_name"],
                "display_name": row["display_name"],
                "region": regions[row["region"]],
                "sales_rep": reps[row["region"]],
                "price_tier": tiers[row["price_tier"]],
                "currency": "CNY",
                "credit_limit": row["credit_limit"],
                "payment_terms_kind": row["payment_terms_kind"],
                "payment_terms_days": row["payment_terms_days"],
                "grace_days": row["grace_days"],
                "invoicing": row.get("invoicing", Company.Invoicing.PER_SHIPMENT),
                "min_shelf_life_percent": row["min_shelf_life_percent"],
                "status": row.get("status", Company.Status.ACTIVE),
                "notes": row["notes"],
            },
        )
        _seed_company_details(report, company, row, today)
        for person in row["people"]:
            user = _user(report, password, {**person, "email": customer_email(row, person["role"])})
            _membership(report, user, company, person["role"], person.get("spending_limit"))

    for row in SHARED_PEOPLE:
        user = _user(report, password, row)
        for membership in row["memberships"]:
            company = company_by_key(membership["company"])
            _membership(report, user, company, membership["role"], membership.get("spending_limit"))


def _seed_company_details(report: SeedReport, company: Company, row: dict, today) -> None:
    for address in row["addresses"]:
        fields = {key: value for key, value in address.items() if key not in ("kind", "label")}
        fields.setdefault("is_default", False)
        if fields["is_default"]:
            # Only one default per kind: step aside for ours if someone moved it in the demo.
            Address.objects.filter(company=company, kind=address["kind"], is_default=True).exclude(
                label=address["label"]
            ).update(is_default=False)
        _upsert(report, Address, {"company": company, "kind": address["kind"], "label": address["label"]}, fields)
    for contact in row["contacts"]:
        fields = {key: contact.get(key, "") for key in ("title", "email", "phone")}
        _upsert(report, Contact, {"company": company, "name": contact["name"]}, fields)
    for licence in row.get("licences", []):
        expires_on = today + timedelta(days=licence["expires_in_days"])
        _upsert(
            report,
            Licence,
            {"company": company, "number": licence["number"]},
            {"kind": licence["kind"], "expires_on": expires_on},
        )


def _membership(report: SeedReport, user: User, company: Company, role: str, spending_limit) -> None:
    _upsert(
        report,
        Membership,
        {"user": user, "company": company},
        {"role": role, "spending_limit": spending_limit},
    )


def seed_content(report: SeedReport) -> None:
    """The home page's intro and announcements and the help pages, in English and Chinese,
    published once: editors' later changes stay."""
    home = HomePage.objects.first()
    if home is None:
        raise CommandError("There is no home page; run `manage.py migrate` first (a migration creates it).")
    editor = User.objects.get(email=_STAFF_ROWS["editor"]["email"])
    _seed_help_pages(report, home, editor)
    if home.revisions.exists():
        report.notes.append("The home page already has revisions, so its content was left as it is.")
        return
    today = timezone.localdate()
    home.title_zh = HOME_TITLE_ZH
    home.intro = HOME_INTRO
    home.intro_zh = HOME_INTRO_ZH
    home.announcements = [
        {
            "type": "announcement",
            "value": {
                "kind": row["kind"],
                "title": row["title"],
                "body": row["body"],
                "title_zh": row["title_zh"],
                "body_zh": row["body_zh"],
                "show_from": _days_from(today, row["show_from"]),
                "show_until": _days_from(today, row["show_until"]),
            },
        }
        for row in ANNOUNCEMENTS
    ]
    home.save_revision(user=editor).publish(user=editor)
    report.created["home page revisions"] += 1


def _seed_help_pages(report: SeedReport, home: HomePage, editor: User) -> None:
    for row in HELP_PAGES:
        if home.get_children().filter(slug=row["slug"]).exists():
            continue
        page = ContentPage(**row)
        home.add_child(instance=page)
        page.save_revision(user=editor).publish(user=editor)
        report.created["help pages"] += 1


def _days_from(today, days: int | None) -> str | None:
    return None if days is None else (today + timedelta(days=days)).isoformat()


# Run in this order by `seed_all()`; later areas (catalog, stock, orders) go at the end.
