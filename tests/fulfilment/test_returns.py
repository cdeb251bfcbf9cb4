"""Returns (RMA): a customer asks to return delivered goods, staff approve or refuse, the
warehouse receives them back into their lot or writes them off, and a received return gives
billing its credit note's basis (snapshot prices).

Orders are picked, shipped and delivered through fulfilment's own verbs."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from accounts.models import Notification, NotificationKind
from catalog.models import Location, Lot, StockLevel, StockMove, TemperatureZone
from catalog.services import StockError, return_to_stock
from ordering.fulfilment import returns, shipping
from ordering.fulfilment.models import ReturnLine, ReturnReason, ReturnRequest
from ordering.fulfilment.picking import confirm_pick, create_pick_list, start_picking
from ordering.fulfilment.returns import Outcome, ReturnError
from ordering.models import OrderState
from tests.factories import CompanyFactory, LocationFactory, with_second_factor

# --- Helpers ---------------------------------------------------------------------------------


def _image(fmt: str, size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def _upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _ship(order, user, location, *, deliver=True):
    """Pick everything allocated to `order`, ship it and (by default) confirm its delivery."""
    pick_list = create_pick_list(orders=[order], warehouse=location.warehouse, user=user)
    start_picking(pick_list=pick_list, user=user)
    for pick in pick_list.lines.select_related("lot"):
        confirm_pick(pick_line=pick, lot_number=pick.lot.number, quantity=pick.quantity, user=user)
    shipment = shipping.ship(order=order, carrier="Van 1", dispatch_temperature=Decimal("-20"), user=user)
    if deliver:
        shipping.confirm_delivery(
            shipment=shipment,
            received_by="Chef Wang",
            delivered_at=None,
            arrival_temperature=Decimal("-19"),
            user=user,
        )
    return shipment


def _ledger_agrees(lot: Lot) -> Lot:
    lot = Lot.objects.get(pk=lot.pk)
    assert StockMove.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] == lot.on_hand
    assert StockLevel.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] == lot.on_hand
    return lot


def _staff_client(user) -> Client:
    client = Client()
    client.force_login(with_second_factor(user))
    return client


@pytest.fixture
def order(place_order, make_product):
    product = make_product(price="50.00", tax_rate="13.00", stock=20)
    return place_order(product=product, quantity=6, state=OrderState.APPROVED)


@pytest.fixture
def delivered(order, staff_warehouse, freezer_location):
    """The order, shipped and delivered; returns its one shipment line."""
    shipment = _ship(order, staff_warehouse, freezer_location)
    return shipment.lines.get()


def _request(order, line, user, quantity=2, **kwargs):
    kwargs.setdefault("reason", ReturnReason.DAMAGED)
    return returns.request_return(order=order, user=user, quantities={line.pk: quantity}, **kwargs)


def _approved(order, line, user, staff, quantity=2):
    return_request = _request(order, line, user, quantity)
    return returns.decide_return(return_request=return_request, approve=True, user=staff)


# --- Requesting --------------------------------------------------------------------------------


def test_a_return_copies_the_order_lines_snapshot(order, delivered, buyer):
    return_request = _request(order, delivered, buyer, 2)

    assert return_request.number == f"RMA-{return_request.pk:06d}"
    assert (return_request.state, return_request.company_id) == ("requested", order.company_id)
    line = return_request.lines.get()
    assert (line.quantity, line.lot_id, line.order_line_id) == (2, delivered.lot_id, delivered.order_line_id)
    assert (line.unit_price, line.tax_rate) == (Decimal("50.00"), Decimal("13.00"))


def test_only_delivered_lines_can_be_returned(order, staff_warehouse, freezer_location, buyer):
    shipment = _ship(order, staff_warehouse, freezer_location, deliver=False)

    with pytest.raises(ReturnError, match="delivered"):
        _request(order, shipment.lines.get(), buyer)
    assert returns.returnable_lines(order).count() == 0
    assert not ReturnRequest.objects.exists()


def test_a_line_of_another_order_is_refused(order, delivered, buyer, place_order, make_product):
    other = place_order(product=make_product(stock=5), quantity=1)

    with pytest.raises(ReturnError, match="delivered"):
        returns.request_return(order=other, user=buyer, reason="damaged", quantities={delivered.pk: 1})


def test_no_more_than_shipped_minus_already_returned(order, delivered, buyer, staff_sales_rep):
    _request(order, delivered, buyer, 4)

    with pytest.raises(ReturnError, match="At most 2"):
        _request(order, delivered, buyer, 3)
    second = _request(order, delivered, buyer, 2)
    assert returns.returnable_lines(order).get().returnable == 0

    # A refused return gives its quantity back.
    returns.decide_return(return_request=second, approve=False, reason="Not damaged", user=staff_sales_rep)
    assert returns.returnable_lines(order).get().returnable == 2


@pytest.mark.parametrize(
    "reason, text, message",
    [("spoiled", "", "Choose a reason"), (ReturnReason.OTHER, "  ", "Say what is wrong")],
)
def test_the_reason_comes_from_the_list_and_other_needs_words(order, delivered, buyer, reason, text, message):
    with pytest.raises(ReturnError, match=message):
        _request(order, delivered, buyer, reason=reason, reason_text=text)


def test_nothing_to_return_is_refused(order, delivered, buyer):
    with pytest.raises(ReturnError, match="how much"):
        _request(order, delivered, buyer, 0)


# --- The photo -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, extension", [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_a_photo_is_kept_under_the_type_found_in_it(order, delivered, buyer, fmt, extension):
    # The name says .jpg whatever it is: the stored name follows the content.
    return_request = _request(order, delivered, buyer, photo=_upload("IMG_0001.jpg", _image(fmt)))

    assert return_request.photo.name.startswith("return-photos/")
    assert return_request.photo.name.endswith(f".{extension}")
    assert returns.photo_content_type(return_request) == f"image/{'jpeg' if extension == 'jpg' else extension}"


def test_a_renamed_program_is_refused():
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
    with pytest.raises(Exception) as refused:
        returns.validate_photo(_upload("photo.jpg", program))
    assert "JPEG, PNG or WebP" in str(refused.value)


def test_a_gif_is_refused_although_it_is_an_image():
    with pytest.raises(Exception) as refused:
        returns.validate_photo(_upload("photo.png", _image("GIF"), "image/png"))
    assert "JPEG, PNG or WebP" in str(refused.value)


def test_a_photo_over_5_mb_is_refused():
    big = _image("PNG") + b"\x00" * (5 * 1024 * 1024)
    with pytest.raises(Exception) as refused:
        returns.validate_photo(_upload("photo.png", big, "image/png"))
    assert "5 MB" in str(refused.value)


# --- The customer's screens -------------------------------------------------------------------


def _member_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_order_page_offers_a_return_once_delivered(order, staff_warehouse, freezer_location, buyer):
    url = reverse("ordering:order_detail", args=[order.number])
    shipment = _ship(order, staff_warehouse, freezer_location, deliver=False)
    assert 'data-testid="request-return"' not in _member_client(buyer).get(url).content.decode()

    shipping.confirm_delivery(
        shipment=shipment,
        received_by="Chef",
        delivered_at=None,
        arrival_temperature=Decimal("-19"),
        user=staff_warehouse,
    )
    page = _member_client(buyer).get(url).content.decode()
    assert reverse("fulfilment:return_new", args=[order.number]) in page


def test_the_customer_requests_a_return_with_a_photo(order, delivered, buyer):
    client = _member_client(buyer)
    url = reverse("fulfilment:return_new", args=[order.number])
    form = client.get(url).content.decode()
    assert delivered.lot.number in form and 'max="6"' in form

    response = client.post(
        url,
        {
            f"line-{delivered.pk}": "2",
            "reason": "temperature",
            "reason_text": "Soft on arrival",
            "photo": _upload("thawed.jpg", _image("JPEG")),
        },
    )

    return_request = ReturnRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("fulfilment:return_detail", args=[return_request.number])
    assert (return_request.reason, return_request.reason_text) == ("temperature", "Soft on arrival")
    assert return_request.photo.name.endswith(".jpg")
    assert return_request.lines.get().quantity == 2


def test_the_form_refuses_a_renamed_program_and_too_much(order, delivered, buyer):
    client = _member_client(buyer)
    response = client.post(
        reverse("fulfilment:return_new", args=[order.number]),
        {
            f"line-{delivered.pk}": "7",
            "reason": "damaged",
            "photo": _upload("photo.jpg", b"MZ\x90\x00" + b"\x00" * 100),
        },
    )

    page = response.content.decode()
    assert response.status_code == 200 and not ReturnRequest.objects.exists()
    assert "JPEG, PNG or WebP" in page
    assert 'data-testid="error-summary"' in page


def test_the_reason_reads_in_the_readers_language(order, delivered, buyer):
    return_request = _request(order, delivered, buyer, reason=ReturnReason.TEMPERATURE)
    url = reverse("fulfilment:return_detail", args=[return_request.number])
    client = _member_client(buyer)

    assert "Temperature breach" in client.get(url).content.decode()
    buyer.language = "zh-hans"
    buyer.save(update_fields=["language"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="zh-hans"' in page and "温度超标" in page and ReturnRequest.objects.get().reason == "temperature"


def test_the_return_list_runs_the_same_queries_for_one_or_many(order, delivered, buyer, django_assert_max_num_queries):
    client = _member_client(buyer)
    _request(order, delivered, buyer, 1)
    client.get(reverse("fulfilment:returns"))  # warm the session and caches
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("fulfilment:returns"))
    for _ in range(4):
        _request(order, delivered, buyer, 1)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("fulfilment:returns")).content.decode()
    assert page.count('data-testid="return-row"') == 5


def test_another_company_gets_404(order, delivered, buyer, outsider):
    return_request = _request(order, delivered, buyer)
    client = _member_client(outsider)

    assert client.get(reverse("fulfilment:return_detail", args=[return_request.number])).status_code == 404
    assert client.get(reverse("fulfilment:return_new", args=[order.number])).status_code == 404
    post = client.post(
        reverse("fulfilment:return_new", args=[order.number]), {f"line-{delivered.pk}": "1", "reason": "damaged"}
    )
    assert post.status_code == 404 and ReturnRequest.objects.count() == 1
    assert return_request.number not in client.get(reverse("fulfilment:returns")).content.decode()


# --- Deciding ------------------------------------------------------------------------------------


def test_a_refusal_needs_a_reason(order, delivered, buyer, staff_sales_rep):
    return_request = _request(order, delivered, buyer)

    with pytest.raises(ReturnError, match="why"):
        returns.decide_return(return_request=return_request, approve=False, reason=" ", user=staff_sales_rep)
    refused = returns.decide_return(
        return_request=return_request, approve=False, reason="Photo shows no damage", user=staff_sales_rep
    )
    assert (refused.state, refused.decision_reason, refused.decided_by) == (
        "refused",
        "Photo shows no damage",
        staff_sales_rep,
    )


def test_a_return_is_decided_once(order, delivered, buyer, staff_sales_rep):
    return_request = _approved(order, delivered, buyer, staff_sales_rep)

    with pytest.raises(ReturnError, match="already"):
        returns.decide_return(return_request=return_request, approve=False, reason="No", user=staff_sales_rep)
    assert ReturnRequest.objects.get().state == "approved"


def test_the_requester_is_told_in_their_language(
    order, delivered, buyer, staff_sales_rep, django_capture_on_commit_callbacks
):
    buyer.language = "zh-hans"
    buyer.save(update_fields=["language"])
    return_request = _request(order, delivered, buyer)

    with django_capture_on_commit_callbacks(execute=True):
        returns.decide_return(return_request=return_request, approve=False, reason="Too late", user=staff_sales_rep)

    notification = Notification.objects.get(user=buyer, kind=NotificationKind.RETURN_REFUSED)
    assert notification.company_id == order.company_id
    assert notification.url == reverse("fulfilment:return_detail", args=[return_request.number])
    with translation.override("en"):
        assert notification.title == f"Return {return_request.number} refused"
        assert notification.body == f"Your return for order {order.number} was refused. Reason: Too late"
    with translation.override("zh-hans"):
        assert "拒绝" in notification.title and return_request.number in notification.title
        assert "Too late" in notification.body and order.number in notification.body


def test_an_approval_tells_the_requester_to_send_the_goods(
    order, delivered, buyer, staff_sales_rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _approved(order, delivered, buyer, staff_sales_rep)

    notification = Notification.objects.get(user=buyer, kind=NotificationKind.RETURN_APPROVED)
    with translation.override("en"):
        assert "approved" in notification.title and "send the goods back" in notification.body
    with translation.override("zh-hans"):
        assert "批准" in notification.title


# --- Receiving -----------------------------------------------------------------------------------


def test_restocked_goods_go_back_into_their_lot(
    order, delivered, buyer, staff_sales_rep, staff_warehouse, freezer_location
):
    return_request = _approved(order, delivered, buyer, staff_sales_rep, quantity=2)
    line = return_request.lines.get()
    before = Lot.objects.get(pk=delivered.lot_id).on_hand

    received = returns.receive_return(
        return_request=return_request,
        outcomes={line.pk: Outcome(outcome="restock", location=freezer_location)},
        user=staff_warehouse,
    )

    lot = _ledger_agrees(delivered.lot)
    assert lot.on_hand == before + 2
    move = StockMove.objects.get(kind=StockMove.Kind.RETURN)
    assert (move.quantity, move.reference, move.location_id) == (2, return_request.number, freezer_location.pk)
    assert (received.state, received.received_by) == ("received", staff_warehouse)
    line.refresh_from_db()
    assert (line.outcome, line.location_id) == ("restock", freezer_location.pk)


def test_written_off_goods_come_back_and_leave_the_books(
    order, delivered, buyer, staff_sales_rep, staff_warehouse, freezer_location
):
    return_request = _approved(order, delivered, buyer, staff_sales_rep, quantity=3)
    line = return_request.lines.get()
    before = Lot.objects.get(pk=delivered.lot_id).on_hand

    returns.receive_return(
        return_request=return_request,
        outcomes={line.pk: Outcome(outcome="write_off", location=freezer_location)},
        user=staff_warehouse,
    )

    lot = _ledger_agrees(delivered.lot)
    assert lot.on_hand == before
    kinds = list(
        StockMove.objects.filter(lot=lot, reason__contains=return_request.number).values_list("kind", "quantity")
    )
    assert sorted(kinds) == [("return", 3), ("write_off", -3)]
    assert ReturnLine.objects.get().outcome == "write_off"


def test_only_an_approved_return_is_received(order, delivered, buyer, staff_warehouse, freezer_location):
    return_request = _request(order, delivered, buyer)
    line = return_request.lines.get()

    with pytest.raises(ReturnError, match="approved"):
        returns.receive_return(
            return_request=return_request,
            outcomes={line.pk: Outcome(outcome="restock", location=freezer_location)},
            user=staff_warehouse,
        )
    assert not StockMove.objects.filter(kind=StockMove.Kind.RETURN).exists()


def test_every_line_needs_an_outcome(order, delivered, buyer, staff_sales_rep, staff_warehouse):
    return_request = _approved(order, delivered, buyer, staff_sales_rep)

    with pytest.raises(ReturnError, match="every line"):
        returns.receive_return(return_request=return_request, outcomes={}, user=staff_warehouse)


def test_an_expired_lot_is_written_off_not_restocked(
    order, delivered, buyer, staff_sales_rep, staff_warehouse, freezer_location
):
    return_request = _approved(order, delivered, buyer, staff_sales_rep)
    Lot.objects.filter(pk=delivered.lot_id).update(expiry_date=timezone.localdate() - timedelta(days=1))
    line = return_request.lines.get()

    with pytest.raises(ReturnError, match="expired"):
        returns.receive_return(
            return_request=return_request,
            outcomes={line.pk: Outcome(outcome="restock", location=freezer_location)},
            user=staff_warehouse,
        )
    assert ReturnRequest.objects.get().state == "approved"
    _ledger_agrees(delivered.lot)


def test_the_catalog_verb_keeps_the_temperature_zone(delivered, staff_warehouse):
    ambient = LocationFactory(code="A-01", zone=TemperatureZone.AMBIENT)
    with pytest.raises(StockError, match="stored"):
        return_to_stock(lot=delivered.lot, location=ambient, quantity=1, reason="Return", user=staff_warehouse)
    _ledger_agrees(delivered.lot)


def test_a_received_return_is_closed_once_credited(
    order, delivered, buyer, staff_sales_rep, staff_warehouse, freezer_location
):
    return_request = _approved(order, delivered, buyer, staff_sales_rep)
    with pytest.raises(ReturnError):
        returns.close_return(return_request=return_request, user=staff_warehouse)
    returns.receive_return(
        return_request=return_request,
        outcomes={return_request.lines.get().pk: Outcome(outcome="restock", location=freezer_location)},
        user=staff_warehouse,
    )
    assert returns.close_return(return_request=return_request, user=staff_warehouse).state == "closed"


# --- The credit note's basis -------------------------------------------------------------------


def test_the_credit_note_basis_uses_the_snapshot_prices_and_rounds_each_line(
    place_order, make_product, buyer, staff_sales_rep, staff_warehouse, freezer_location
):
    wings = make_product(price="33.33", tax_rate="13.00", stock=20)
    prawns = make_product(price="19.99", tax_rate="9.00", stock=20)
    order = place_order(lines=[(wings, 5), (prawns, 4)], state=OrderState.APPROVED)
    shipment = _ship(order, staff_warehouse, freezer_location)
    lines = {line.order_line.product_id: line for line in shipment.lines.select_related("order_line")}
    # Prices change after the order: the credit keeps the order's.
    type(wings).objects.filter(pk=wings.pk).update(tax_rate=Decimal("0"))
    return_request = returns.request_return(
        order=order,
        user=buyer,
        reason="quality",
        quantities={lines[wings.pk].pk: 3, lines[prawns.pk].pk: 1},
    )
    with pytest.raises(ReturnError, match="received"):
        returns.credit_note_lines(return_request)
    returns.decide_return(return_request=return_request, approve=True, user=staff_sales_rep)
    returns.receive_return(
        return_request=return_request,
        outcomes={
            line.pk: Outcome(outcome="restock", location=freezer_location) for line in return_request.lines.all()
        },
        user=staff_warehouse,
    )

    basis = returns.credit_note_lines(ReturnRequest.objects.get(pk=return_request.pk))

    assert basis.currency == order.currency and basis.order_number == order.number
    by_sku = {line.sku: line for line in basis.lines}
    wing_line, prawn_line = by_sku[wings.sku], by_sku[prawns.sku]
    # 3 × 33.33 = 99.99, tax 13 % = 12.9987 → 13.00
    assert (wing_line.quantity, wing_line.net, wing_line.tax, wing_line.total) == (
        3,
        Decimal("99.99"),
        Decimal("13.00"),
        Decimal("112.99"),
    )
    # 1 × 19.99, tax 9 % = 1.7991 → 1.80
    assert (prawn_line.net, prawn_line.tax) == (Decimal("19.99"), Decimal("1.80"))
    assert (basis.net_total, basis.tax_total, basis.total) == (
        Decimal("119.98"),
        Decimal("14.80"),
        Decimal("134.78"),
    )
    assert all(isinstance(value, Decimal) for value in (basis.net_total, basis.tax_total, basis.total))


# --- The back office ---------------------------------------------------------------------------


def test_a_rep_approves_from_the_back_office(order, delivered, buyer, staff_sales_rep):
    order.company.sales_rep = staff_sales_rep
    order.company.save()
    return_request = _request(order, delivered, buyer)
    client = _staff_client(staff_sales_rep)

    page = client.get(reverse("fulfilment_returns:return", args=[return_request.pk])).content.decode()
    assert "data-decide-form" in page and "data-receive-form" not in page
    response = client.post(
        reverse("fulfilment_returns:decide", args=[return_request.pk]), {"decision": "approve", "reason": ""}
    )

    assert response.status_code == 302
    assert ReturnRequest.objects.get().state == "approved"


def test_the_warehouse_receives_and_sees_no_prices(
    order, delivered, buyer, staff_sales_rep, staff_warehouse, staff_manager, freezer_location
):
    return_request = _approved(order, delivered, buyer, staff_sales_rep)
    line = return_request.lines.get()
    client = _staff_client(staff_warehouse)
    assert (
        "data-receive-form"
        in client.get(reverse("fulfilment_returns:return", args=[return_request.pk])).content.decode()
    )

    response = client.post(
        reverse("fulfilment_returns:receive", args=[return_request.pk]),
        {f"outcome-{line.pk}": "restock", f"location-{line.pk}": freezer_location.pk},
    )

    assert response.status_code == 302 and ReturnRequest.objects.get().state == "received"
    _ledger_agrees(delivered.lot)
    url = reverse("fulfilment_returns:return", args=[return_request.pk])
    assert "data-credit" not in client.get(url).content.decode()
    managers = _staff_client(staff_manager).get(url).content.decode()
    assert "data-credit-total" in managers and "¥" in managers


@pytest.mark.parametrize("role", ["staff_warehouse", "staff_finance", "staff_manager"])
def test_roles_that_do_not_decide_cannot_approve(order, delivered, buyer, role, request):
    return_request = _request(order, delivered, buyer)
    client = _staff_client(request.getfixturevalue(role))
    client.post(reverse("fulfilment_returns:decide", args=[return_request.pk]), {"decision": "approve"})
    assert ReturnRequest.objects.get().state == "requested"


def test_a_rep_sees_only_their_own_customers_returns(
    order, delivered, buyer, staff_sales_rep, staff_warehouse, freezer_location, place_order, make_product
):
    order.company.sales_rep = staff_sales_rep
    order.company.save()
    ours = _request(order, delivered, buyer)
    rival = CompanyFactory(display_name="Rival Canteen")
    rival_order = place_order(company=rival, product=make_product(stock=5), quantity=2, state=OrderState.APPROVED)
    rival_line = _ship(rival_order, staff_warehouse, freezer_location).lines.get()
    theirs = returns.request_return(
        order=rival_order, user=rival_order.placed_by, reason="damaged", quantities={rival_line.pk: 1}
    )
    client = _staff_client(staff_sales_rep)

    queue = client.get(reverse("fulfilment_returns:returns")).content.decode()

    assert ours.number in queue and theirs.number not in queue and "Rival" not in queue
    assert client.get(reverse("fulfilment_returns:return", args=[theirs.pk])).status_code == 404
    client.post(reverse("fulfilment_returns:decide", args=[theirs.pk]), {"decision": "approve"})
    assert ReturnRequest.objects.get(pk=theirs.pk).state == "requested"


def test_staff_open_the_photo_with_its_checked_type(order, delivered, buyer, staff_warehouse):
    return_request = _request(order, delivered, buyer, photo=_upload("x.jpg", _image("PNG")))

    response = _staff_client(staff_warehouse).get(reverse("fulfilment_returns:photo", args=[return_request.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_the_queue_runs_a_fixed_number_of_queries(
    order, delivered, buyer, staff_warehouse, django_assert_max_num_queries
):
    client = _staff_client(staff_warehouse)
    _request(order, delivered, buyer, 1)
    client.get(reverse("fulfilment_returns:returns"))
    with django_assert_max_num_queries(30) as one:
        client.get(reverse("fulfilment_returns:returns"))
    for _ in range(4):
        _request(order, delivered, buyer, 1)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("fulfilment_returns:returns")).content.decode()
    assert page.count("data-return=") == 5


def test_locations_of_other_zones_are_not_offered(order, delivered, buyer, staff_sales_rep, staff_warehouse):
    ambient = LocationFactory(code="A-09", zone=TemperatureZone.AMBIENT)
    return_request = _approved(order, delivered, buyer, staff_sales_rep)
    page = _staff_client(staff_warehouse).get(reverse("fulfilment_returns:return", args=[return_request.pk]))
    assert "F-01" in page.content.decode() and f'value="{ambient.pk}"' not in page.content.decode()
    assert Location.objects.filter(zone=TemperatureZone.AMBIENT).exists()
