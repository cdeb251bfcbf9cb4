"""Who hears about an order, in the portal and by e-mail; each person's switches per kind; the
bell's unread count; the notifications list."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from accounts import roles
from accounts.access import ACTIVE_COMPANY_SESSION_KEY
from accounts.models import Membership, Notification, NotificationKind, NotificationPreference
from accounts.services import notify
from ordering.approval import ApprovalRule
from ordering.models import OrderState
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """The words asserted here are the English ones, whatever language an earlier test left active
    in this thread (LocaleMiddleware activates a language per request and never deactivates it)."""
    with translation.override("en"):
        yield


K = NotificationKind


def _kinds(user):
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def _mail_to(mailoutbox, user):
    return [message for message in mailoutbox if message.to == [user.email]]


# What placing and deciding tell whom ----------------------------------------------------------


def test_placing_an_order_tells_the_buyer_in_the_portal_and_by_email(
    buyer, django_capture_on_commit_callbacks, mailoutbox, place_order
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(buyer=buyer)
    assert sorted(_kinds(buyer)) == [K.ORDER_APPROVED, K.ORDER_PLACED]
    placed = Notification.objects.get(user=buyer, kind=K.ORDER_PLACED)
    assert placed.title == f"Order {order.number} placed"
    assert placed.url == reverse("ordering:order_detail", args=[order.number])
    mails = {message.subject: message for message in _mail_to(mailoutbox, buyer)}
    assert set(mails) == {f"Order {order.number} placed", f"Order {order.number} confirmed"}
    assert placed.url in mails[f"Order {order.number} placed"].body


def test_an_order_above_the_limit_asks_the_company_approvers_not_the_buyer(
    buyer, approver, company_admin, make_product, django_capture_on_commit_callbacks, mailoutbox, place_order
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(buyer=buyer, product=make_product(price="100.00"), spending_limit="50.00")
    assert _kinds(approver) == [K.APPROVAL_NEEDED]
    assert _kinds(company_admin) == [K.APPROVAL_NEEDED]
    assert _kinds(buyer) == [K.ORDER_PLACED]
    needed = Notification.objects.get(user=approver)
    assert needed.title == f"Order {order.number} needs your approval"
    assert f"Above {buyer}'s spending limit of ¥50.00" in needed.body
    assert [m.subject for m in _mail_to(mailoutbox, approver)] == [f"Order {order.number} needs your approval"]


def test_the_approvers_decision_tells_the_buyer(
    client, buyer, approver, make_product, django_capture_on_commit_callbacks, mailoutbox, place_order
):
    order = place_order(buyer=buyer, product=make_product(price="100.00"), spending_limit="50.00")
    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ordering:order_approve", args=[order.number]))
    confirmed = Notification.objects.get(user=buyer, kind=K.ORDER_APPROVED)
    assert confirmed.title == f"Order {order.number} confirmed"
    assert [m.subject for m in _mail_to(mailoutbox, buyer)] == [f"Order {order.number} confirmed"]


def test_a_rejection_tells_the_buyer_why(
    client, buyer, approver, make_product, django_capture_on_commit_callbacks, mailoutbox, place_order
):
    order = place_order(buyer=buyer, product=make_product(price="100.00"), spending_limit="50.00")
    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ordering:order_reject", args=[order.number]), {f"order-{order.pk}-reason": "Too much"})
    order.refresh_from_db()
    assert order.state == OrderState.REJECTED
    rejected = Notification.objects.get(user=buyer, kind=K.ORDER_REJECTED)
    assert (rejected.title, rejected.body) == (f"Order {order.number} was rejected", "Too much")
    (message,) = _mail_to(mailoutbox, buyer)
    assert message.subject == f"Order {order.number} was rejected" and "Too much" in message.body


def test_a_credit_hold_tells_the_buyer_why_and_finance_that_it_waits(
    buyer, company, make_product, staff_finance, django_capture_on_commit_callbacks, mailoutbox, place_order
):
    company.credit_limit = Decimal("50.00")
    company.save()
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(buyer=buyer, product=make_product(price="100.00", tax_rate="0"))
    assert order.state == OrderState.CREDIT_HOLD
    hold = Notification.objects.get(user=buyer, kind=K.CREDIT_HOLD)
    assert hold.title == f"Order {order.number} is on credit hold"
    assert hold.body == "This order (¥100.00) is more than your available credit (¥50.00)."
    assert f"Order {order.number} is on credit hold" in [m.subject for m in _mail_to(mailoutbox, buyer)]
    for_finance = Notification.objects.get(user=staff_finance, kind=K.CREDIT_HOLD)
    assert for_finance.title == f"Order {order.number} from {company} is on credit hold"
    assert for_finance.body == "This order (¥100.00) is more than the customer's available credit (¥50.00)."
    assert for_finance.company is None  # staff read it in staff wording, whatever company
    assert for_finance.url == reverse("ordering_admin:approval_queue")


def test_a_notification_reads_in_the_readers_language_not_the_senders(
    buyer, approver, make_product, django_capture_on_commit_callbacks, place_order
):
    with django_capture_on_commit_callbacks(execute=True):  # placed in English
        order = place_order(buyer=buyer, product=make_product(price="1234.50", tax_rate="0"), spending_limit="1000.00")
    needed = Notification.objects.get(user=approver)
    with translation.override("zh-hans"):
        assert needed.title == f"订单 {order.number} 待您审批"
        assert "¥1,234.50" in needed.body and "¥1,000.00" in needed.body
        assert "消费限额" in needed.body and "spending limit" not in needed.body
    assert needed.title == f"Order {order.number} needs your approval"  # and English for English readers


def test_the_email_is_in_the_recipients_language(
    buyer, approver, make_product, django_capture_on_commit_callbacks, mailoutbox, place_order
):
    approver.language = "zh-hans"
    approver.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):  # the buyer places it in English
        order = place_order(buyer=buyer, product=make_product(price="1234.50", tax_rate="0"), spending_limit="1000.00")
    (to_approver,) = _mail_to(mailoutbox, approver)
    assert to_approver.subject == f"订单 {order.number} 待您审批"
    assert "¥1,234.50" in to_approver.body
    assert f"Order {order.number} placed" in [m.subject for m in _mail_to(mailoutbox, buyer)]


def test_switching_language_in_the_portal_remembers_it_for_emails(client, buyer):
    client.force_login(buyer)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/portal/"})
    buyer.refresh_from_db()
    assert buyer.language == "zh-hans"


def test_a_switched_off_email_kind_sends_no_email_but_still_shows_in_the_portal(
    buyer, django_capture_on_commit_callbacks, mailoutbox, place_order
):
    NotificationPreference.objects.create(user=buyer, kind=K.ORDER_PLACED, email=False, in_app=True)
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(buyer=buyer)
    assert Notification.objects.filter(user=buyer, kind=K.ORDER_PLACED).exists()
    subjects = [m.subject for m in _mail_to(mailoutbox, buyer)]
    assert f"Order {order.number} placed" not in subjects
    assert f"Order {order.number} confirmed" in subjects  # other kinds still e-mail


def test_a_kind_switched_off_in_the_portal_only_emails(
    buyer, django_capture_on_commit_callbacks, mailoutbox, place_order
):
    NotificationPreference.objects.create(user=buyer, kind=K.ORDER_APPROVED, email=True, in_app=False)
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(buyer=buyer)
    assert _kinds(buyer) == [K.ORDER_PLACED]
    assert f"Order {order.number} confirmed" in [m.subject for m in _mail_to(mailoutbox, buyer)]


# Settings -----------------------------------------------------------------------------------


def test_settings_start_with_everything_on(client, buyer):
    client.force_login(buyer)
    html = client.get(reverse("accounts:notification_settings")).content.decode()
    for kind in K.values:
        assert f'name="{kind}-email" class="form-check-input fs-4 m-0" id="id_{kind}-email" checked' in html
        assert f'name="{kind}-in_app" class="form-check-input fs-4 m-0" id="id_{kind}-in_app" checked' in html


def test_settings_switch_each_kind_for_this_person_only(
    client, buyer, approver, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(buyer)
    everything_on_but = {f"{kind}-{channel}": "on" for kind in K.values for channel in ("email", "in_app")}
    del everything_on_but[f"{K.ORDER_PLACED}-email"]
    del everything_on_but[f"{K.CREDIT_HOLD}-in_app"]

    response = client.post(reverse("accounts:notification_settings"), everything_on_but, follow=True)

    assert "Your notification settings are saved." in response.content.decode()
    saved = {p.kind: (p.email, p.in_app) for p in NotificationPreference.objects.filter(user=buyer)}
    assert saved[K.ORDER_PLACED] == (False, True)
    assert saved[K.CREDIT_HOLD] == (True, False)
    assert saved[K.ORDER_APPROVED] == (True, True)
    assert not NotificationPreference.objects.filter(user=approver).exists()

    with django_capture_on_commit_callbacks(execute=True):
        notify(
            users=[buyer, approver],
            kind=K.ORDER_PLACED,
            params=_placed("SO-1"),
            company=buyer.memberships.get().company,
        )
    assert [m.to for m in mailoutbox] == [[approver.email]]

    # Saving again updates the same rows.
    everything_on_but[f"{K.ORDER_PLACED}-email"] = "on"
    client.post(reverse("accounts:notification_settings"), everything_on_but)
    assert NotificationPreference.objects.get(user=buyer, kind=K.ORDER_PLACED).email is True
    assert NotificationPreference.objects.filter(user=buyer).count() == len(K.values)


# The bell and the list ----------------------------------------------------------------------


def _placed(number: str) -> dict:
    return {"number": number, "company": "Harbour Kitchen", "total": {"amount": "1234.50", "currency": "CNY"}}


def _notifications(user, count, **fields):
    return [
        Notification.objects.create(user=user, kind=K.ORDER_PLACED, params=_placed(f"SO-{n}"), **fields)
        for n in range(count)
    ]


def test_the_bell_shows_the_unread_count_from_the_cache(client, buyer, approver, django_assert_max_num_queries):
    _notifications(buyer, 3)
    _notifications(approver, 5)  # someone else's
    client.force_login(buyer)
    client.get(reverse("portal:home"))  # counts once, then keeps the count until it changes
    with django_assert_max_num_queries(12) as captured:
        html = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="unread-count" aria-hidden="true">3</span>' in html
    assert 'aria-label="Notifications, 3 unread"' in html
    assert not [q for q in captured.captured_queries if "accounts_notification" in q["sql"]]

    _notifications(buyer, 1)
    assert 'aria-label="Notifications, 4 unread"' in client.get(reverse("portal:home")).content.decode()


def test_the_bell_has_no_count_when_all_is_read(client, buyer):
    client.force_login(buyer)
    html = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="notification-bell"' in html
    assert 'data-testid="unread-count"' not in html


def test_opening_a_notification_marks_it_read_and_goes_to_the_order(client, buyer):
    first, second = _notifications(buyer, 2, url="/portal/orders/SO-1/")
    client.force_login(buyer)
    response = client.get(reverse("accounts:notification_open", args=[first.pk]))
    assert response.status_code == 302 and response.url == "/portal/orders/SO-1/"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert 'aria-label="Notifications, 1 unread"' in client.get(reverse("portal:home")).content.decode()


def test_a_notification_pointing_elsewhere_is_not_followed(client, buyer):
    (notification,) = _notifications(buyer, 1, url="https://evil.example/phish")
    client.force_login(buyer)
    response = client.get(reverse("accounts:notification_open", args=[notification.pk]))
    assert response.url == reverse("accounts:notifications")


def test_someone_elses_notification_is_404(client, buyer, approver):
    (theirs,) = _notifications(approver, 1)
    client.force_login(buyer)
    assert client.get(reverse("accounts:notification_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_list_shows_my_notifications_and_marks_all_read(client, buyer, approver):
    mine = _notifications(buyer, 2)
    _notifications(approver, 1)
    Notification.objects.filter(user=approver).update(params=_placed("Carol's secret"))
    client.force_login(buyer)
    html = client.get(reverse("accounts:notifications")).content.decode()
    assert html.count('data-testid="notification"') == 2
    assert html.count('data-testid="unread"') == 2
    assert "Carol" not in html
    assert reverse("accounts:notification_open", args=[mine[0].pk]) in html

    response = client.post(reverse("accounts:notifications_mark_all_read"), follow=True)

    html = response.content.decode()
    assert "All notifications are marked as read." in html
    assert 'data-testid="unread"' not in html and 'data-testid="unread-count"' not in html
    assert not Notification.objects.filter(user=buyer, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=approver, read_at__isnull=True).count() == 1


def test_the_bell_and_the_list_show_the_active_companys_notifications_and_agree(client, buyer, company, other_company):
    Membership.objects.create(user=buyer, company=other_company, role=Membership.Role.BUYER)
    _notifications(buyer, 2, company=company)
    (elsewhere,) = _notifications(buyer, 1, company=other_company)
    _notifications(buyer, 1)  # about no company: shown whatever company is active
    client.force_login(buyer)
    client.post(reverse("accounts:switch_company", args=[company.pk]))

    html = client.get(reverse("accounts:notifications")).content.decode()

    assert html.count('data-testid="notification"') == 3
    assert 'aria-label="Notifications, 3 unread"' in html
    assert reverse("accounts:notification_open", args=[elsewhere.pk]) not in html


def test_opening_another_companys_notification_switches_to_that_company(client, buyer, company, other_company):
    Membership.objects.create(user=buyer, company=other_company, role=Membership.Role.BUYER)
    (elsewhere,) = _notifications(buyer, 1, company=other_company, url="/portal/orders/SO-1/")
    client.force_login(buyer)
    client.post(reverse("accounts:switch_company", args=[company.pk]))

    response = client.get(reverse("accounts:notification_open", args=[elsewhere.pk]))

    assert response.url == "/portal/orders/SO-1/"
    assert client.session[ACTIVE_COMPANY_SESSION_KEY] == other_company.pk


def test_an_empty_list_explains_what_will_come(client, buyer):
    client.force_login(buyer)
    assert "No notifications yet." in client.get(reverse("accounts:notifications")).content.decode()


def test_staff_without_a_company_see_their_notifications(client):
    staff = UserFactory(is_staff=True)
    _notifications(staff, 1)
    client.force_login(staff)
    response = client.get(reverse("accounts:notifications"))
    assert response.status_code == 200 and 'data-testid="notification"' in response.content.decode()


def test_notifications_need_a_signed_in_person(client):
    assert client.get(reverse("accounts:notifications")).status_code == 302
    assert client.post(reverse("accounts:notifications_mark_all_read")).status_code == 302


def test_staff_hear_only_of_orders_of_customers_they_see(
    buyer, company, staff_sales_rep, django_capture_on_commit_callbacks, place_order
):
    """A rule routing to sales reps tells the customer's own rep, not another rep's."""
    company.sales_rep = staff_sales_rep
    company.save()
    other_rep = StaffFactory(email="other.rep@distributor.example")
    other_rep.groups.add(Group.objects.get(name=roles.SALES_REP))
    ApprovalRule.objects.create(
        name="Everything", condition="total_at_least", amount=0, approver_group=Group.objects.get(name=roles.SALES_REP)
    )
    with django_capture_on_commit_callbacks(execute=True):
        place_order(buyer=buyer)
    assert Notification.objects.filter(user=staff_sales_rep, kind="approval_needed").exists()
    assert not Notification.objects.filter(user=other_rep).exists()


def test_with_tasks_kept_in_the_database_the_notification_is_queued_in_the_placement_itself(
    buyer, settings, place_order
):
    """The production task backend keeps tasks as rows of this database: the placement writes its
    notification task in its own transaction, so the worker sees it only once the order is
    committed, and a placement that rolls back leaves no task behind."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    order = place_order(buyer=buyer)

    task = DBTaskResult.objects.get()
    assert task.task_path == "ordering.tasks.send_order_notification"
    assert task.args_kwargs["kwargs"] == {"order_id": order.pk, "events": ["placed", "approved"]}

    with pytest.raises(RuntimeError, match="after placing"), transaction.atomic():
        place_order(buyer=buyer, po_number="PO-2", durable=False)
        raise RuntimeError("something failed after placing, in the same transaction")
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [task.pk]
