"""The cart through the browser's eyes: add, change, remove, snapping messages, prices only from
the quote, zones, credit left, saved lists shared by the company, re-order from a past order."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Company, Membership
from catalog.models import Assortment, Lot, PriceList, PriceListEntry, Product
from catalog.stock import forget_stock
from ordering import services
from ordering.models import CartLine, SavedList, SavedListLine
from tests.factories import LicenceFactory, MembershipFactory, PriceListEntryFactory, UserFactory, category

ADD = reverse("ordering:cart_add")
CART = reverse("ordering:cart")
HTMX = {"HTTP_HX_REQUEST": "true"}


def _line_url(product):
    return reverse("ordering:cart_line", args=[product.pk])


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def _lines(user, company):
    return dict(CartLine.objects.filter(cart__user=user, cart__company=company).values_list("product__sku", "quantity"))


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


# Adding ---------------------------------------------------------------------------------------


def test_adding_snaps_to_the_order_multiple_and_says_so(signed_in, buyer, company, make_product):
    product = make_product(min_order_quantity=12, order_multiple=6)
    response = signed_in.post(ADD, {"product_id": product.pk, "quantity": "13"})
    assert response.status_code == 302
    assert _lines(buyer, company) == {product.sku: 18}
    assert _messages(response) == [f"{product.sku} is sold in multiples of 6; changed 13 to 18."]


def test_adding_below_the_minimum_raises_it_to_the_minimum(signed_in, buyer, company, make_product):
    product = make_product(min_order_quantity=12, order_multiple=6)
    response = signed_in.post(ADD, {"product_id": product.pk, "quantity": "1"})
    assert _lines(buyer, company) == {product.sku: 12}
    assert _messages(response) == [f"{product.sku} has a minimum of 12; changed 1 to 12."]


def test_adding_again_adds_to_the_line(signed_in, buyer, company, make_product):
    product = make_product()
    signed_in.post(ADD, {"product_id": product.pk, "quantity": "2"})
    response = signed_in.post(ADD, {"product_id": product.pk, "quantity": "3"})
    assert _lines(buyer, company) == {product.sku: 5}
    assert _messages(response)[-1] == f"Added to your cart: {product.sku}, now 5 in your cart."


def test_without_javascript_the_buyer_goes_back_where_they_were_but_never_off_site(signed_in, make_product):
    product = make_product()
    catalog = reverse("catalog:product_list") + "?q=wings"
    back = signed_in.post(ADD, {"product_id": product.pk, "quantity": "1", "next": catalog})
    assert back.url == catalog
    away = signed_in.post(ADD, {"product_id": product.pk, "quantity": "1", "next": "https://evil.example/"})
    assert away.url == CART


def test_with_htmx_the_stepper_comes_back_with_the_outcome_and_the_new_line_count(signed_in, make_product):
    product = make_product(min_order_quantity=12, order_multiple=6)
    other = make_product()
    signed_in.post(ADD, {"product_id": other.pk, "quantity": "1"})
    response = signed_in.post(ADD, {"product_id": product.pk, "quantity": "13"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="add-to-cart"' in html
    assert "changed 13 to 18" in html
    assert 'id="nav-cart-count" hx-swap-oob="true"' in html
    assert 'data-testid="cart-count">2<' in html
    assert 'min="12"' in html and 'step="6"' in html


def test_adding_with_htmx_costs_two_statements_once_the_product_is_cached_and_the_count_follows_new_lines(
    signed_in, make_product, django_assert_num_queries
):
    first, second = make_product(), make_product()
    signed_in.post(ADD, {"product_id": first.pk, "quantity": "1"}, **HTMX)  # the session learns the company
    # The cart with its line count and this product's line, then the UPDATE of the line.
    with django_assert_num_queries(2):
        again = signed_in.post(ADD, {"product_id": first.pk, "quantity": "1"}, **HTMX)
    # A product not seen before: the product, its prices and its stock, then the cart and the INSERT.
    with django_assert_num_queries(5):
        new = signed_in.post(ADD, {"product_id": second.pk, "quantity": "1"}, **HTMX)
    assert 'data-testid="cart-count">1<' in again.content.decode()
    assert 'data-testid="cart-count">2<' in new.content.decode()
    assert dict(CartLine.objects.values_list("product_id", "quantity")) == {first.pk: 2, second.pk: 1}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Enter a quantity of at least 1."),
        ("-1", "Enter a quantity of at least 1."),
        (str(10**9), "1000000000 is more than we can take in one line."),
        ("abc", "Enter the quantity as a whole number, like 12."),
        ("", "Enter a quantity."),
    ],
)
def test_impossible_quantities_are_refused_with_a_message_and_nothing_is_added(
    quantity, message, signed_in, buyer, company, make_product
):
    product = make_product()
    response = signed_in.post(ADD, {"product_id": product.pk, "quantity": quantity})
    assert _messages(response) == [message]
    assert _lines(buyer, company) == {}


def test_a_posted_price_is_ignored(signed_in, buyer, company, make_product):
    product = make_product(price="100.00", tax_rate="0")
    signed_in.post(
        ADD, {"product_id": product.pk, "quantity": "2", "unit_price": "0.01", "price": "0.01", "total": "0.02"}
    )
    line = CartLine.objects.get(cart__user=buyer)
    assert line.unit_price_when_added == Decimal("100.00")
    signed_in.post(_line_url(product), {"quantity": "3", "unit_price": "0.01"})
    page = signed_in.get(CART)
    assert page.context["quote"].total == Decimal("300.00")
    assert "¥300.00" in page.content.decode()


def _only_other_company_sees(product, company):
    """The product is in an assortment of another company; `company` has an assortment without it."""
    theirs = Assortment.objects.create(name="Their range")
    theirs.companies.add(Company.objects.exclude(pk=company.pk).first())
    theirs.products.add(product)
    ours = Assortment.objects.create(name="Our range")
    ours.companies.add(company)
    return ours


def test_another_companys_product_is_refused_as_not_found(signed_in, buyer, company, other_company, make_product):
    visible = make_product()
    hidden = make_product()
    ours = _only_other_company_sees(hidden, company)
    ours.products.add(visible)
    response = signed_in.post(ADD, {"product_id": hidden.pk, "quantity": "1"})
    assert _messages(response) == [f"{hidden.pk} was not found in your catalog."]
    assert signed_in.post(_line_url(hidden), {"quantity": "1"}).status_code == 404
    assert _lines(buyer, company) == {}


def test_a_restricted_product_needs_a_licence(signed_in, buyer, company, make_product):
    vet = category("Vet drugs", slug="vet", restricted=True)
    product = make_product(category=vet)
    response = signed_in.post(ADD, {"product_id": product.pk, "quantity": "1"})
    assert _messages(response) == [f"{product.sku}: Needs a valid licence on file."]
    LicenceFactory(company=company)
    signed_in.post(ADD, {"product_id": product.pk, "quantity": "1"})
    assert _lines(buyer, company) == {product.sku: 1}


# Changing and removing --------------------------------------------------------------------------


@pytest.fixture
def in_cart(buyer, company, make_product):
    product = make_product(min_order_quantity=12, order_multiple=6, price="50.00")
    services.add_to_cart(cart=services.cart_for(user=buyer, company=company), product=product, quantity=12)
    return product


def test_changing_a_quantity_snaps_it_and_says_so(signed_in, buyer, company, in_cart):
    response = signed_in.post(_line_url(in_cart), {"quantity": "20"})
    assert response.url == CART
    assert _lines(buyer, company) == {in_cart.sku: 24}
    assert _messages(response) == [f"{in_cart.sku} is sold in multiples of 6; changed 20 to 24."]


def test_the_steppers_buttons_set_the_next_quantity(signed_in, buyer, company, in_cart):
    page = signed_in.get(CART).content.decode()
    assert 'name="set" value="18"' in page  # + one multiple
    assert 'name="set" value="0"' in page  # − below the minimum removes
    signed_in.post(_line_url(in_cart), {"quantity": "12", "set": "18"})
    assert _lines(buyer, company) == {in_cart.sku: 18}


def test_zero_removes_the_line(signed_in, buyer, company, in_cart):
    response = signed_in.post(_line_url(in_cart), {"quantity": "0"})
    assert _lines(buyer, company) == {}
    assert _messages(response) == [f"Removed {in_cart.sku} from your cart."]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-1", "Enter 0 to remove the line, or a quantity of at least 1."),
        (str(10**9), "1000000000 is more than we can take in one line."),
        ("abc", "Enter the quantity as a whole number, like 12."),
        ("1.5", "Enter the quantity as a whole number, like 12."),
    ],
)
def test_an_impossible_new_quantity_leaves_the_line_as_it_was(quantity, message, signed_in, buyer, company, in_cart):
    response = signed_in.post(_line_url(in_cart), {"quantity": quantity})
    assert _messages(response) == [message]
    assert _lines(buyer, company) == {in_cart.sku: 12}


def test_with_htmx_the_cart_swaps_in_place_with_new_totals_and_the_lines_message(signed_in, buyer, company, in_cart):
    response = signed_in.post(_line_url(in_cart), {"quantity": "20"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="cart"')
    assert "changed 20 to 24" in html
    assert "¥1,200.00" in html  # 24 × ¥50.00, from the quote
    assert 'hx-swap-oob="true"' in html


def test_a_line_whose_product_left_the_catalog_can_still_be_removed_but_not_raised(signed_in, buyer, company, in_cart):
    Product.objects.filter(pk=in_cart.pk).update(active=False)
    page = signed_in.get(CART)
    assert "No longer sold." in page.content.decode()
    refused = signed_in.post(_line_url(in_cart), {"quantity": "18"})
    assert _messages(refused) == [f"{in_cart.sku} was not found in your catalog."]
    signed_in.post(_line_url(in_cart), {"quantity": "0"})
    assert _lines(buyer, company) == {}


# The cart page ------------------------------------------------------------------------------------


def test_the_cart_groups_lines_by_temperature_zone_frozen_first(signed_in, buyer, company, make_product):
    cart = services.cart_for(user=buyer, company=company)
    for zone in ("ambient", "frozen", "chilled"):
        services.add_to_cart(
            cart=cart, product=make_product(temperature_zone=zone, stock=0, allow_backorder=True), quantity=1
        )
    page = signed_in.get(CART)
    assert [group.zone for group in page.context["groups"]] == ["frozen", "chilled", "ambient"]
    html = page.content.decode()
    assert html.index('data-zone="frozen"') < html.index('data-zone="chilled"') < html.index('data-zone="ambient"')


def test_the_cart_shows_quote_prices_with_source_tax_total_availability_and_credit_left(
    signed_in, buyer, company, make_product
):
    company.credit_limit = Decimal("1000.00")
    company.save()
    product = make_product(price="100.00", tax_rate="13.00", stock=4, allow_backorder=True)
    services.add_to_cart(cart=services.cart_for(user=buyer, company=company), product=product, quantity=6)
    html = signed_in.get(CART).content.decode()
    assert "¥600.00" in html  # line total and subtotal
    assert "¥78.00" in html  # tax
    assert "¥678.00" in html and "CNY" in html  # total with its currency
    assert "List" in html  # the price's source
    assert "Partly: 4 now, 2 backordered" in html
    assert "Credit left after this order: ¥322.00" in html


def test_over_credit_the_cart_says_credit_hold_not_refused(signed_in, buyer, company, make_product):
    company.credit_limit = Decimal("100.00")
    company.save()
    product = make_product(price="100.00")
    services.add_to_cart(cart=services.cart_for(user=buyer, company=company), product=product, quantity=2)
    html = signed_in.get(CART).content.decode()
    assert "it will go on credit hold for our finance team to review, not refused" in html


def test_a_price_changed_since_it_was_added_is_pointed_out(signed_in, buyer, company, make_product):
    product = make_product(price="100.00")
    services.add_to_cart(cart=services.cart_for(user=buyer, company=company), product=product, quantity=1)
    PriceListEntry.objects.filter(product=product).update(unit_price=Decimal("110.00"))
    html = signed_in.get(CART).content.decode()
    assert "The price changed since you added it: ¥100.00 then, ¥110.00 now." in html


def test_a_quantity_break_is_not_mistaken_for_a_price_change(signed_in, buyer, company, make_product, default_list):
    product = make_product(price="100.00")
    PriceListEntryFactory(price_list=default_list, product=product, min_quantity=10, unit_price=Decimal("90.00"))
    services.add_to_cart(cart=services.cart_for(user=buyer, company=company), product=product, quantity=1)
    signed_in.post(_line_url(product), {"quantity": "10"})
    page = signed_in.get(CART)
    assert page.context["quote"].lines[0].price.unit_price == Decimal("90.00")
    assert 'data-testid="price-changed"' not in page.content.decode()


def test_a_line_with_too_little_stock_blocks_checkout_and_says_why(signed_in, buyer, company, make_product):
    product = make_product(stock=10)
    services.add_to_cart(cart=services.cart_for(user=buyer, company=company), product=product, quantity=6)
    Lot.objects.filter(product=product).update(on_hand=4)  # stock went after it was added
    forget_stock([product.pk])
    html = signed_in.get(CART).content.decode()
    assert "Only 4 available." in html
    assert "No: 4 available" in html
    assert 'aria-disabled="true"' in html


def test_an_empty_cart_offers_the_catalog_and_the_quick_order(signed_in):
    html = signed_in.get(CART).content.decode()
    assert "Your cart is empty." in html
    assert reverse("ordering:quick_order") in html


def test_the_navbar_shows_the_line_count_on_the_cart_page(signed_in, buyer, company, make_product):
    cart = services.cart_for(user=buyer, company=company)
    for _ in range(3):
        services.add_to_cart(cart=cart, product=make_product(), quantity=1)
    assert 'data-testid="cart-count">3<' in signed_in.get(CART).content.decode()


def _fill(cart, make_product, count):
    for _ in range(count):
        services.add_to_cart(cart=cart, product=make_product(), quantity=1)


def test_the_cart_page_runs_the_same_queries_for_2_or_10_lines(
    signed_in, buyer, company, make_product, django_assert_max_num_queries
):
    cart = services.cart_for(user=buyer, company=company)
    _fill(cart, make_product, 2)
    signed_in.get(CART)  # the session learns the active company
    with django_assert_max_num_queries(20) as few:
        assert signed_in.get(CART).status_code == 200
    _fill(cart, make_product, 8)
    signed_in.get(CART)  # new products moved the catalog version: its cached reads are read again once
    with django_assert_max_num_queries(20) as many:
        assert len(signed_in.get(CART).context["quote"].lines) == 10
    assert len(many.captured_queries) == len(few.captured_queries)


# Saved lists ------------------------------------------------------------------------------------


@pytest.fixture
def colleague(company):
    return MembershipFactory(
        company=company, role=Membership.Role.BUYER, user=UserFactory(email="eve@acme.example")
    ).user


def test_a_saved_list_made_from_the_cart_is_shared_with_the_companys_users(
    client, buyer, colleague, company, make_product
):
    wings, dumplings = make_product(), make_product(min_order_quantity=6, order_multiple=6)
    cart = services.cart_for(user=buyer, company=company)
    services.add_to_cart(cart=cart, product=wings, quantity=2)
    services.add_to_cart(cart=cart, product=dumplings, quantity=12)
    client.force_login(buyer)
    response = client.post(reverse("ordering:saved_list_create"), {"name": "Monday restock"})
    saved = SavedList.objects.get(company=company)
    assert response.url == reverse("ordering:saved_list", args=[saved.pk])
    assert saved.created_by == buyer

    client.force_login(colleague)
    index = client.get(reverse("ordering:saved_lists")).content.decode()
    assert "Monday restock" in index and "2 lines" in index
    client.post(reverse("ordering:saved_list_add_to_cart", args=[saved.pk]))
    assert _lines(colleague, company) == {wings.sku: 2, dumplings.sku: 12}


def test_a_saved_list_name_is_unique_in_the_company(signed_in, buyer, company, in_cart):
    SavedList.objects.create(company=company, name="Monday restock")
    response = signed_in.post(reverse("ordering:saved_list_create"), {"name": "monday restock"})
    assert response.status_code == 200
    assert "already has a list called" in response.content.decode()
    assert SavedList.objects.count() == 1


def test_an_empty_cart_cannot_be_saved_as_a_list(signed_in):
    response = signed_in.post(reverse("ordering:saved_list_create"), {"name": "Nothing"})
    assert response.status_code == 200
    assert "Your cart is empty" in response.content.decode()
    assert not SavedList.objects.exists()


def test_any_member_renames_and_deletes_a_list(client, colleague, company, make_product):
    saved = SavedList.objects.create(company=company, name="Old")
    SavedListLine.objects.create(saved_list=saved, product=make_product(), quantity=1)
    client.force_login(colleague)
    client.post(reverse("ordering:saved_list_rename", args=[saved.pk]), {"name": "Friday"})
    saved.refresh_from_db()
    assert saved.name == "Friday"
    assert "Friday" in client.get(reverse("ordering:saved_list", args=[saved.pk])).content.decode()
    client.post(reverse("ordering:saved_list_delete", args=[saved.pk]))
    assert not SavedList.objects.exists()


def test_an_outsider_cannot_see_use_rename_or_delete_a_companys_list(client, outsider, company, make_product):
    saved = SavedList.objects.create(company=company, name="Ours")
    SavedListLine.objects.create(saved_list=saved, product=make_product(), quantity=1)
    client.force_login(outsider)
    assert client.get(reverse("ordering:saved_list", args=[saved.pk])).status_code == 404
    for name in ("saved_list_add_to_cart", "saved_list_rename", "saved_list_delete"):
        assert client.post(reverse(f"ordering:{name}", args=[saved.pk]), {"name": "Theirs"}).status_code == 404
    assert "Ours" not in client.get(reverse("ordering:saved_lists")).content.decode()
    assert SavedList.objects.get().name == "Ours"


def test_adding_a_saved_list_flags_lines_that_cannot_be_ordered_now(signed_in, buyer, company, make_product):
    fine, gone, short = make_product(), make_product(), make_product(stock=4)
    saved = SavedList.objects.create(company=company, name="Usual")
    for product in (fine, gone, short):
        SavedListLine.objects.create(saved_list=saved, product=product, quantity=6)
    Product.objects.filter(pk=gone.pk).update(active=False)
    response = signed_in.post(reverse("ordering:saved_list_add_to_cart", args=[saved.pk]))
    assert _lines(buyer, company) == {fine.sku: 6, short.sku: 4}
    assert _messages(response) == [
        "Added 2 lines from Usual to your cart at today's prices.",
        f"{gone.sku}: Not in your catalog.",
        f"{short.sku}: only 4 of 6 available now; added 4.",
    ]


# Re-order ---------------------------------------------------------------------------------------


def test_reorder_copies_the_lines_at_todays_prices_and_flags_what_cannot_be_reordered(
    signed_in, buyer, company, make_product, place_order
):
    same, dearer, gone, vet = make_product(), make_product(price="100.00"), make_product(), make_product()
    order = place_order(buyer=buyer, lines=[(same, 2), (dearer, 3), (gone, 1), (vet, 1)])
    PriceListEntry.objects.filter(product=dearer).update(unit_price=Decimal("120.00"))
    Product.objects.filter(pk=gone.pk).update(active=False)
    Product.objects.filter(pk=vet.pk).update(category=category("Vet drugs", slug="vet", restricted=True))

    response = signed_in.post(reverse("ordering:reorder", args=[order.number]))

    assert response.url == CART
    assert _lines(buyer, company) == {same.sku: 2, dearer.sku: 3}
    assert CartLine.objects.get(product=dearer).unit_price_when_added == Decimal("120.00")
    assert _messages(response) == [
        f"Added 2 lines from {order.number} to your cart at today's prices.",
        f"{gone.sku}: Not in your catalog.",
        f"{vet.sku}: Needs a valid licence on file.",
        f"{dearer.sku} is ¥120.00 now (it was ¥100.00).",
    ]


def test_reorder_of_another_companys_order_is_404(client, outsider, buyer, make_product, place_order):
    order = place_order(buyer=buyer, lines=[(make_product(), 1)])
    client.force_login(outsider)
    assert client.post(reverse("ordering:reorder", args=[order.number])).status_code == 404
    assert not CartLine.objects.exists()


def test_reorder_and_lists_use_the_companys_prices_today(signed_in, buyer, company, make_product, place_order):
    product = make_product(price="100.00")
    order = place_order(buyer=buyer, lines=[(product, 1)])
    contract = PriceList.objects.create(name="Acme contract", kind=PriceList.Kind.CONTRACT, company=company)
    PriceListEntryFactory(price_list=contract, product=product, unit_price=Decimal("80.00"))
    signed_in.post(reverse("ordering:reorder", args=[order.number]))
    quote = services.quote_cart(cart=services.cart_for(user=buyer, company=company))
    assert (quote.lines[0].price.unit_price, quote.lines[0].price.source) == (Decimal("80.00"), "contract")


def test_the_cart_line_url_refuses_a_licence_only_product_to_an_unlicensed_company(
    signed_in, buyer, company, make_product
):
    vet = category("Vet drugs", slug="vet", restricted=True)
    product = make_product(category=vet)

    response = signed_in.post(_line_url(product), {"quantity": "1"})

    assert _messages(response) == [f"{product.sku}: Needs a valid licence on file."]
    assert _lines(buyer, company) == {}


def test_ids_beyond_64_bits_are_a_form_error_or_not_found_never_an_overflow(signed_in, buyer):
    huge = 10**23
    response = signed_in.post(ADD, {"product_id": huge, "quantity": "1"})
    assert response.status_code == 302
    assert _messages(response) == ["Choose a product."]
    assert signed_in.post(f"/portal/cart/lines/{huge}/", {"quantity": "1"}).status_code == 404
    assert signed_in.post(f"/portal/companies/{huge}/switch/").status_code == 404


# Stock: the cart never holds more than there is of a product that may not be backordered -------


def test_adding_more_than_is_available_caps_the_line_and_says_so(signed_in, buyer, company, make_product):
    product = make_product(stock=148)

    response = signed_in.post(ADD, {"product_id": product.pk, "quantity": "200"})

    assert _lines(buyer, company) == {product.sku: 148}
    assert _messages(response) == [f"{product.sku}: only 148 available now, so your cart holds 148."]
    again = signed_in.post(ADD, {"product_id": product.pk, "quantity": "1"})
    assert _messages(again)[-1] == f"{product.sku}: Only 148 available. Your cart already holds 148."
    assert _lines(buyer, company) == {product.sku: 148}


def test_an_out_of_stock_product_is_refused_unless_it_may_be_backordered(signed_in, buyer, company, make_product):
    gone = make_product(stock=0)
    later = make_product(stock=0, allow_backorder=True)

    refused = signed_in.post(ADD, {"product_id": gone.pk, "quantity": "1"})
    signed_in.post(ADD, {"product_id": later.pk, "quantity": "5"})

    assert _messages(refused) == [f"{gone.sku}: Out of stock; none available now."]
    assert _lines(buyer, company) == {later.sku: 5}


def test_a_line_above_the_stock_left_is_offered_the_quantity_there_is(signed_in, buyer, company, make_product):
    product = make_product(stock=100, min_order_quantity=6, order_multiple=6)
    services.add_to_cart(cart=services.cart_for(user=buyer, company=company), product=product, quantity=60)
    Lot.objects.filter(product=product).update(on_hand=40)
    forget_stock([product.pk])

    page = signed_in.get(CART).content.decode()

    assert 'data-testid="set-to-stock"' in page and 'name="set" value="36"' in page
    assert "Set to 36" in page
    response = signed_in.post(_line_url(product), {"set": "36"})
    assert response.status_code == 302
    assert _lines(buyer, company) == {product.sku: 36}
    assert 'data-testid="set-to-stock"' not in signed_in.get(CART).content.decode()


def test_the_catalog_says_out_of_stock_instead_of_offering_the_button(signed_in, make_product):
    gone = make_product(stock=0)
    later = make_product(stock=0, allow_backorder=True)

    html = signed_in.get(reverse("catalog:product_list")).content.decode()

    def card(product):
        start = html.index(f'data-sku="{product.sku}"')
        return html[start : html.index("</article>", start)]

    assert "Out of stock; none available now." in card(gone) and "/cart/add/" not in card(gone)
    assert "/cart/add/" in card(later)
    detail = signed_in.get(reverse("catalog:product_detail", args=[gone.sku])).content.decode()
    assert 'data-testid="sold-out"' in detail and "/cart/add/" not in detail
