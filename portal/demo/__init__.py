"""The demo world of `manage.py seed_demo`: ColdChain Foods, a frozen and chilled food distributor.

The data is in `data.py`, as plain lists of dicts; one module seeds each area: `people.py`
(people, companies, content), `catalog.py` (products, prices, stock), `orders.py` (a year of
orders), `billing.py` (their invoices and payments), `stock.py` (a short-dated lot offered to
the customers who buy it), `tickets.py` (service tickets), `rhythm.py` (the reps' notes and every
customer's rhythm), `dashboards.py` (the sales rollups, built once at the end). None imports this
package's `__init__`, so there is no import cycle.
Every function looks rows up by a natural key (e-mail, code, tax number, address label, contact
name, licence number) and brings them in line with the data, so seeding twice changes nothing
and duplicates nothing. The command runs `seed_all()` inside one transaction.

Adding an area: put its data in `data.py`, write
`seed_<area>(report)` with update_or_create on natural keys, and append it to `SEED_STEPS`.
Later steps find earlier rows by the same keys (e.g. `company_by_key("bayside")`).
"""

from dataclasses import dataclass

from accounts import roles
from accounts.models import Membership
from portal.dashboards import rollups

from .billing import seed_billing
from .catalog import seed_catalog
from .dashboards import seed_dashboards
from .data import (
    _COMPANY_ROWS,
    BACK_OFFICE_URL,
    COMPANIES,
    DEMO_PASSWORD,
    DISTRIBUTOR_NAME,
    FEATURED_COMPANIES,
    PORTAL_URL,
    REGIONS,
    SHARED_PEOPLE,
    STAFF,
    SUPERUSER,
    VET_LICENCE,
)
from .orders import seed_orders
from .people import SeedReport, company_by_key, customer_email, seed_content, seed_people
from .rhythm import seed_rhythm
from .stock import seed_stock
from .tickets import seed_tickets

SEED_STEPS = [
    seed_people,
    seed_content,
    seed_catalog,
    seed_orders,
    seed_billing,
    seed_stock,
    seed_tickets,
    seed_rhythm,
    seed_dashboards,
]


def seed_all() -> SeedReport:
    report = SeedReport()
    # The last step builds the sales rollups once; no recompute per order, invoice or payment.
    with rollups.deferred():
        for step in SEED_STEPS:
            step(report)
    report.notes.extend(report.insight_notes())
    return report


# ---------------------------------------------------------------------------------------------
# The login table printed at the end
# ---------------------------------------------------------------------------------------------


@dataclass
class Login:
    role: str
    email: str
    where: str


def customer_logins() -> list[Login]:
    logins = []
    for key in FEATURED_COMPANIES:
        row = _COMPANY_ROWS[key]
        for person in row["people"]:
            role = str(Membership.Role(person["role"]).label)
            logins.append(Login(role, customer_email(row, person["role"]), row["display_name"]))
    for person in SHARED_PEOPLE:
        names = " + ".join(_COMPANY_ROWS[m["company"]]["display_name"] for m in person["memberships"])
        roles_held = {str(Membership.Role(m["role"]).label) for m in person["memberships"]}
        role = " / ".join(sorted(roles_held)) + f" ({len(person['memberships'])} companies)"
        logins.append(Login(role, person["email"], names))
    return logins


def staff_logins() -> list[Login]:
    logins = [Login("Superuser", SUPERUSER["email"], "everything")]
    regions = {row["code"]: row["name"] for row in REGIONS}
    for row in STAFF:
        where = DISTRIBUTOR_NAME
        if row.get("region"):
            where += f", customers in {regions[row['region']]}"
        role = str(roles.ROLE_LABELS[row["group"]])
        if row.get("title"):
            role += f" ({row['title']})"
        logins.append(Login(role, row["email"], where))
    return logins


def other_customers_hint() -> str:
    others = [row for row in COMPANIES if row["key"] not in FEATURED_COMPANIES]
    example = customer_email(others[0], "buyer")
    return f"The other {len(others)} companies have the same four logins, <role>@<company domain>, e.g. {example}."


__all__ = [
    "BACK_OFFICE_URL",
    "DEMO_PASSWORD",
    "PORTAL_URL",
    "SEED_STEPS",
    "SHARED_PEOPLE",
    "STAFF",
    "VET_LICENCE",
    "Login",
    "SeedReport",
    "company_by_key",
    "customer_logins",
    "other_customers_hint",
    "seed_all",
    "staff_logins",
]
