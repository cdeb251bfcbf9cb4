"""Customer views: cart, quick order, upload, saved lists, checkout, re-order.

Each view checks access (member_required, get_for_member), validates a form, calls one action in
ordering.services or ordering.quick_order and answers. No view reads a price from the request or
computes one: every figure on these pages comes from services.quote_cart or catalog.pricing.
With htmx, the cart and the add-to-cart stepper swap in place; without JavaScript every form
posts normally and redirects back.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.access import get_for_member, member_required, scoped
from accounts.models import Membership
from catalog.models import Product, TemperatureZone
from catalog.selectors import first_orderable_quantity, visible_products
from kit.money import format_money

from . import quick_order, saved_lists, services
from .approval import reason_for
from .forms import AddToCartForm, CartLineForm, CheckoutForm, QuickOrderUploadForm, SavedListNameForm
from .models import CartLine, Order, SavedList
from .services import Checkout, OrderingError, PriceChanged, Quote, QuoteLine, routing

BLANK_ROWS = 5


def _cart(request):
    company = request.membership.company
    cart = services.cart_for(user=request.user, company=company)
    cart.company = company  # the same row, already loaded: saves quote_cart a query
    return cart


def _safe_next(request, fallback: str) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return fallback


# --- Cart -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CartRow:
    """A quote line with the quantities its stepper's − and + buttons set."""

    line: QuoteLine

    @property
    def product(self) -> Product:
        return self.line.product

    @property
    def quantity_up(self) -> int:
        return self.line.quantity + self.product.order_multiple

    @property
    def quantity_down(self) -> int:
        """One multiple less, or 0 (remove) below the smallest quantity the rules allow."""
        down = self.line.quantity - self.product.order_multiple
        return down if down >= first_orderable_quantity(self.product) else 0


@dataclass(frozen=True)
class ZoneGroup:
    zone: str
    label: str
    rows: list[CartRow]


def _zone_groups(quote: Quote) -> list[ZoneGroup]:
    """Lines by temperature zone, frozen first: how they are picked, packed and delivered."""
    groups = []
    for zone, label in TemperatureZone.choices:
        rows = [CartRow(line) for line in quote.lines if line.product.temperature_zone == zone]
        if rows:
            groups.append(ZoneGroup(zone, label, rows))
    return groups


def _cart_context(request, cart, **extra) -> dict:
    quote = services.quote_cart(cart=cart)
    return {
        "cart": cart,
        "quote": quote,
        "groups": _zone_groups(quote),
        "problems": [line for line in quote.lines if line.problems],
        "save_form": extra.pop("save_form", None) or SavedListNameForm(company=request.membership.company),
        "cart_line_count": len(quote.lines),
        **extra,
    }


@member_required
def cart_view(request):
    return render(request, "ordering/cart.html", _cart_context(request, _cart(request)))


@require_POST
@member_required
def cart_add(request):
    """Add a product from the catalog (or anywhere): htmx gets the stepper back with what
    happened; without JavaScript, a message and back to where the buyer was."""
    company = request.membership.company
    form = AddToCartForm(request.POST)
    product, outcome, level, line_count = None, "", "error", None
    if form.is_valid():
        try:
            product = services.get_orderable_product(company=company, product_id=form.cleaned_data["product_id"])
            added = services.add_to_own_cart(
                user=request.user, company=company, product=product, quantity=form.cleaned_data["quantity"]
            )
        except OrderingError as error:
            outcome = str(error)
        else:
            snapped, line_count = added.snapped, added.line_count
            level = "warning" if snapped.message else "success"
            outcome = snapped.message or _("Added to your cart: %(sku)s, now %(quantity)s in your cart.") % {
                "sku": product.sku,
                "quantity": snapped.quantity,
            }
    else:
        outcome = " ".join(error for errors in form.errors.values() for error in errors)
    if request.htmx:
        if product is None and form.cleaned_data.get("product_id"):
            # Show the stepper again only for a product this company may see.
            product = visible_products(company).filter(pk=form.cleaned_data["product_id"]).first()
        context = {
            "product": product,
            "quantity": request.POST.get("quantity", "")[:12],
            "first_quantity": first_orderable_quantity(product) if product else None,
            "outcome": outcome,
            "level": level,
            "next_url": _safe_next(request, ""),
            "cart_line_count": line_count
            if line_count is not None
            else CartLine.objects.filter(cart__user=request.user, cart__company=company).count(),
            "oob": True,
        }
        return render(request, "ordering/partials/add_to_cart.html", context)
    getattr(messages, level)(request, outcome)
    return redirect(_safe_next(request, reverse("ordering:cart")))


@require_POST
@member_required
def cart_line(request, product_id: int):
    """Change a line's quantity (0 removes it). A product outside the company's catalog is 404,
    unless it is already in this buyer's own cart (it left the catalog since): that line can
    still be removed."""
    company = request.membership.company
    cart = _cart(request)
    visible = visible_products(company).values("pk")
    product = get_object_or_404(
        Product.objects.select_related("category").filter(
            Q(pk__in=visible) | Q(pk__in=CartLine.objects.filter(cart=cart).values("product_id"))
        ),
        pk=product_id,
    )
    form = CartLineForm(request.POST)
    outcome, level = "", "error"
    if form.is_valid():
        quantity = form.cleaned_data["quantity"]
        try:
            # Any quantity but 0 is refused, as adding it would be, for a product the company may
            # not order now (services.set_cart_quantity asks the one "may this be ordered" check).
            snapped = services.set_cart_quantity(cart=cart, product=product, quantity=quantity)
        except OrderingError as error:
            outcome = str(error)
        else:
            if snapped is None:
                level, outcome = "success", _("Removed %(sku)s from your cart.") % {"sku": product.sku}
            elif snapped.message:
                level, outcome = "warning", snapped.message
            else:
                level, outcome = (
                    "success",
                    _("%(sku)s: quantity is now %(quantity)s.")
                    % {
                        "sku": product.sku,
                        "quantity": snapped.quantity,
                    },
                )
    else:
        outcome = " ".join(form.errors["quantity"])
    if request.htmx:
        context = _cart_context(request, cart)
        # Said beside the line when it is still there, at the top when it was removed.
        on_line = any(line.product.pk == product.pk for line in context["quote"].lines)
        context["line_outcome"] = {"product_id": product.pk, "text": outcome, "level": level, "on_line": on_line}
        return render(request, "ordering/partials/cart_body.html", context)
    getattr(messages, level)(request, outcome)
    return redirect("ordering:cart")


# --- Quick order and upload -------------------------------------------------------------------


@dataclass
class QuickOrderState:
    """What the quick-order form holds: typed rows (with the spreadsheet row number when they came
    from a file) and the paste box."""

    skus: list[str]
    quantities: list[str]
    numbers: list[str]
    paste: str = ""
    source: str = ""  # the uploaded file's name

    @classmethod
    def from_post(cls, post) -> "QuickOrderState":
        skus, quantities = post.getlist("sku"), post.getlist("quantity")
        count = max(len(skus), len(quantities))
        numbers = post.getlist("n")
        return cls(
            skus=(skus + [""] * count)[:count],
            quantities=(quantities + [""] * count)[:count],
            numbers=(numbers + [""] * count)[:count],
            paste=post.get("paste", ""),
            source=post.get("source", "")[:200],
        )

    @classmethod
    def blank(cls, rows: int = BLANK_ROWS) -> "QuickOrderState":
        return cls(skus=[""] * rows, quantities=[""] * rows, numbers=[""] * rows)

    def row_numbers(self) -> list[int]:
        """What each row is called: its position, or for rows from a file the file's row number
        (rows added after those continue from the last one)."""
        given = [int(number) if str(number).isdigit() else None for number in self.numbers]
        if not any(given):
            return list(range(1, len(self.skus) + 1))
        numbers, last = [], max(number for number in given if number)
        for number in given:
            if number is None:
                last += 1
                number = last
            numbers.append(number)
        return numbers

    def entries(self) -> list[quick_order.Entry]:
        rows = quick_order.entries_from_rows(self.skus, self.quantities, self.row_numbers())
        return rows + quick_order.entries_from_paste(self.paste)

    def add_blank_rows(self, count: int = BLANK_ROWS) -> None:
        self.skus += [""] * count
        self.quantities += [""] * count
        self.numbers += [""] * count

    def apply_fix(self, value: str) -> None:
        """Put a suggestion the buyer chose ("row:3|12|FZ-1020") in place of what they wrote."""
        try:
            key, quantity, reference = value.split("|", 2)
            kind, position = key.split(":")
            position = int(position)
        except ValueError:
            return
        if kind == "row" and 0 <= position < len(self.skus):
            self.skus[position], self.quantities[position] = reference, quantity
        elif kind == "line":
            lines = self.paste.splitlines()
            if 0 <= position < len(lines):
                lines[position] = f"{reference} {quantity}"
                self.paste = "\n".join(lines)

    def keep_only(self, keys: set[str]) -> None:
        """After adding to the cart: the form keeps the lines that still need the buyer."""
        rows = [index for index in range(len(self.skus)) if f"row:{index}" in keys]
        self.skus = [self.skus[index] for index in rows]
        self.quantities = [self.quantities[index] for index in rows]
        self.numbers = [self.numbers[index] for index in rows]
        lines = self.paste.splitlines()
        self.paste = "\n".join(line for index, line in enumerate(lines) if f"line:{index}" in keys)

    def rows(self, report: quick_order.Report | None):
        labels = self.row_numbers()
        for index, (sku, quantity, number) in enumerate(zip(self.skus, self.quantities, self.numbers, strict=True)):
            yield {
                "index": index,
                "number": number,
                "label": labels[index],
                "sku": sku,
                "quantity": quantity,
                "result": report.for_key(f"row:{index}") if report else None,
            }


def _render_quick_order(request, state: QuickOrderState, report=None, *, problem: str = ""):
    if len(state.skus) == 0 and not state.paste:
        state.add_blank_rows()
    context = {
        "state": state,
        "rows": list(state.rows(report)),
        "report": report,
        "paste_lines": [line for line in report.lines if line.entry.key.startswith("line:")] if report else [],
        "problem": problem,
    }
    return render(request, "ordering/quick_order.html", context)


@member_required
def quick_order_view(request):
    """Rows of SKU and quantity and a paste box. "Check" reports every line; "Add valid lines to
    cart" re-checks on the server (never trusting an earlier report) and adds them."""
    if request.method != "POST":
        return _render_quick_order(request, QuickOrderState.blank())
    state = QuickOrderState.from_post(request.POST)
    action = request.POST.get("action", "check")
    if request.POST.get("fix"):
        state.apply_fix(request.POST["fix"])
        action = "check"
    if action == "rows":
        state.add_blank_rows()
        return _render_quick_order(request, state)
    company = request.membership.company
    cart = _cart(request)
    try:
        report = quick_order.check_entries(company=company, cart=cart, entries=state.entries())
    except quick_order.QuickOrderError as error:
        return _render_quick_order(request, state, problem=str(error))
    if action == "errors":
        response = HttpResponse(quick_order.errors_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="quick-order-problems.csv"'
        return response
    if not report.lines:
        return _render_quick_order(request, state, problem=_("Enter at least one SKU and quantity, or paste a list."))
    if action != "add":
        return _render_quick_order(request, state, report)
    if not report.valid:
        return _render_quick_order(
            request, state, report, problem=_("No line is ready to add yet; fix the problems below first.")
        )
    try:
        added = quick_order.add_valid_lines(cart=cart, report=report)
    except OrderingError as error:
        return _render_quick_order(request, state, report, problem=str(error))
    messages.success(
        request,
        ngettext("Added %(count)s line to your cart.", "Added %(count)s lines to your cart.", len(added))
        % {"count": len(added)},
    )
    for item in added:
        if item.message:
            messages.warning(request, item.message)
    if not report.errors:
        return redirect("ordering:cart")
    messages.warning(
        request,
        ngettext(
            "%(count)s line was not added; it is below with what to fix.",
            "%(count)s lines were not added; they are below with what to fix.",
            len(report.errors),
        )
        % {"count": len(report.errors)},
    )
    state.keep_only({line.entry.key for line in report.errors})
    remaining = quick_order.check_entries(company=company, cart=cart, entries=state.entries())
    return _render_quick_order(request, state, remaining)


@member_required
def quick_order_upload(request):
    """A CSV or XLSX order: read, checked like typed rows and shown on the quick-order page with
    the file's own row numbers, ready to add to the cart or correct."""
    posted = request.method == "POST"
    form = QuickOrderUploadForm(request.POST, request.FILES) if posted else QuickOrderUploadForm()
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            entries = quick_order.entries_from_file(upload)
        except quick_order.QuickOrderError as error:
            form.add_error("file", str(error))
        else:
            state = QuickOrderState(
                skus=[entry.reference for entry in entries],
                quantities=[entry.quantity_text for entry in entries],
                numbers=quick_order.file_row_numbers(entries),
                source=upload.name,
            )
            report = quick_order.check_entries(
                company=request.membership.company, cart=_cart(request), entries=state.entries()
            )
            return _render_quick_order(request, state, report)
    return render(request, "ordering/quick_order_upload.html", {"form": form})


@member_required
def quick_order_sample(request, fmt: str):
    content = quick_order.sample_file(company=request.membership.company, fmt=fmt)
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="order-sample.{fmt}"'
    return response


# --- Saved lists ------------------------------------------------------------------------------


def _saved_lists(request):
    return scoped(request, SavedList.objects.all())


@member_required
def saved_list_index(request):
    lists = _saved_lists(request).select_related("created_by").annotate(line_count=Count("lines")).order_by("name")
    return render(request, "ordering/saved_list_index.html", {"saved_lists": lists})


@require_POST
@member_required
def saved_list_create(request):
    """Save the cart as a list every user of the company can use."""
    company = request.membership.company
    cart = _cart(request)
    form = SavedListNameForm(request.POST, company=company)
    if form.is_valid():
        try:
            saved = saved_lists.save_cart_as_list(cart=cart, user=request.user, name=form.cleaned_data["name"])
        except saved_lists.SavedListError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("Saved your cart as “%(name)s”.") % {"name": saved.name})
            return redirect("ordering:saved_list", list_id=saved.pk)
    return render(request, "ordering/cart.html", _cart_context(request, cart, save_form=form))


def _saved_list_context(request, saved_list, rename_form=None):
    lines = list(saved_list.lines.select_related("product").order_by("product__sku"))
    return {
        "saved_list": saved_list,
        "lines": lines,
        "rename_form": rename_form
        or SavedListNameForm(
            company=request.membership.company, instance=saved_list, initial={"name": saved_list.name}
        ),
    }


@member_required
def saved_list_detail(request, list_id: int):
    saved_list = get_for_member(request, SavedList.objects.select_related("created_by"), pk=list_id)
    return render(request, "ordering/saved_list_detail.html", _saved_list_context(request, saved_list))


@require_POST
@member_required
def saved_list_add_to_cart(request, list_id: int):
    saved_list = get_for_member(request, SavedList, pk=list_id)
    report = saved_lists.copy_into_cart(
        cart=_cart(request),
        wanted=saved_lists.saved_list_wanted(saved_list),
        currency=request.membership.company.currency,
    )
    _report_copy(request, report, source=saved_list.name)
    return redirect("ordering:cart")


@require_POST
@member_required
def saved_list_rename(request, list_id: int):
    saved_list = get_for_member(request, SavedList, pk=list_id)
    form = SavedListNameForm(request.POST, company=request.membership.company, instance=saved_list)
    if form.is_valid():
        try:
            saved_lists.rename_saved_list(saved_list=saved_list, name=form.cleaned_data["name"])
        except saved_lists.SavedListError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("Renamed the list to “%(name)s”.") % {"name": saved_list.name})
            return redirect("ordering:saved_list", list_id=saved_list.pk)
    saved_list.refresh_from_db()
    context = _saved_list_context(request, saved_list, rename_form=form)
    return render(request, "ordering/saved_list_detail.html", context)


@require_POST
@member_required
def saved_list_delete(request, list_id: int):
    saved_list = get_for_member(request, SavedList, pk=list_id)
    name = saved_list.name
    saved_lists.delete_saved_list(saved_list=saved_list)
    messages.success(request, _("Deleted the list “%(name)s”.") % {"name": name})
    return redirect("ordering:saved_lists")


def _report_copy(request, report: saved_lists.CopyReport, *, source: str) -> None:
    if report.added:
        messages.success(
            request,
            ngettext(
                "Added %(count)s line from %(source)s to your cart at today's prices.",
                "Added %(count)s lines from %(source)s to your cart at today's prices.",
                len(report.added),
            )
            % {"count": len(report.added), "source": source},
        )
    else:
        messages.error(request, _("Nothing from %(source)s could be added to your cart.") % {"source": source})
    for text in report.flagged:
        messages.warning(request, text)
    for text in report.notes:
        messages.info(request, text)


@require_POST
@member_required
def reorder(request, number: str):
    """Copy a past order's lines into the cart at the buyer's prices today, flagging each line
    that cannot be ordered again and why."""
    order = get_for_member(request, Order, number=number)
    report = saved_lists.copy_into_cart(
        cart=_cart(request), wanted=saved_lists.wanted_from_order(order), currency=order.currency
    )
    _report_copy(request, report, source=order.number)
    return redirect("ordering:cart")


# --- Checkout ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    text: str
    kind: str = "info"  # info / hold: how the step is shown


def _what_happens_next(request, quote: Quote) -> list[NextStep]:
    """What placing this order sets off, in the words and order the buyer will live it: the
    stops ordering.services.routing would send it through (it decides; this only words them)."""
    membership = request.membership
    route = routing.preview(membership=membership, quote=quote)
    steps = []
    if route.customer_approval:
        steps.append(_customer_approval_step(request, quote))
    steps += [NextStep(str(HOLD_WORDS[hold]), "hold") for hold in route.holds]
    if route.rules:
        steps.append(
            NextStep(
                _("Our team checks it first (%(reasons)s).")
                % {"reasons": "; ".join(reason_for(rule) for rule in route.rules)},
                "hold",
            )
        )
    steps.append(NextStep(_("We confirm the order → we pick it → we deliver it → the invoice follows.")))
    return steps


HOLD_WORDS = {
    routing.Hold.PREPAID: gettext_lazy("Your account is prepaid: finance confirms the order once it is paid."),
    routing.Hold.OVER_CREDIT: gettext_lazy(
        "This order is more than your available credit, so it goes on credit hold for our "
        "finance team to review. It is not refused: we tell you as soon as it is released."
    ),
    routing.Hold.OVERDUE: gettext_lazy(
        "An invoice is overdue beyond your grace days, so the order goes on credit hold for our "
        "finance team. It is not refused; paying the overdue invoice releases it sooner."
    ),
}


def _customer_approval_step(request, quote: Quote) -> NextStep:
    membership = request.membership
    approvers = [
        str(m.user)
        for m in Membership.objects.filter(
            company=membership.company, role__in=[Membership.Role.APPROVER, Membership.Role.ADMIN]
        )
        .exclude(user=request.user)
        .select_related("user")
    ]
    return NextStep(
        _("The total is above your spending limit of %(limit)s, so your approver (%(approvers)s) approves it first.")
        % {
            "limit": format_money(membership.spending_limit, quote.currency),
            "approvers": ", ".join(approvers) or _("your company admin"),
        },
        "hold",
    )


def _checkout_context(request, quote: Quote, form: CheckoutForm, idempotency_key) -> dict:
    return {
        "quote": quote,
        "form": form,
        # The hidden fields carry the total of the quote on this page and the key of this checkout.
        "expected_total": quote.total,
        "idempotency_key": idempotency_key,
        "groups": _zone_groups(quote),
        "next_steps": _what_happens_next(request, quote),
        "has_addresses": bool(form.fields["ship_to"].queryset),
        "cart_line_count": len(quote.lines),
    }


def _order_url(order: Order) -> str:
    return reverse("ordering:order_detail", args=[order.number])


@member_required
def checkout(request):
    """Review and place. The page carries the total the buyer saw and a key made when it was
    shown: place_order refuses another total (PriceChanged: shown again with the new figures) and
    answers a second post of the same key with the order the first one placed."""
    company = request.membership.company
    cart = _cart(request)
    if request.method != "POST":
        quote = services.quote_cart(cart=cart)
        if not quote.lines:
            messages.info(request, _("Your cart is empty: add products from the catalog or the quick order first."))
            return redirect("ordering:cart")
        form = CheckoutForm(company=company)
        form.initial["ship_to"] = next(iter(form.fields["ship_to"].queryset), None)
        return render(
            request, "ordering/checkout.html", _checkout_context(request, quote, form, CheckoutForm.new_key())
        )

    form = CheckoutForm(request.POST, company=company)
    quote = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            membership = request.membership
            membership.user = request.user  # the same row, already loaded: saves place_order a query
            order = services.place_order(
                cart=cart,
                membership=membership,
                checkout=Checkout(
                    ship_to=data["ship_to"],
                    po_number=data["po_number"].strip(),
                    requested_delivery_date=data["requested_delivery_date"],
                    notes=data["notes"].strip(),
                ),
                expected_total=data["expected_total"],
                idempotency_key=data["idempotency_key"],
            )
        except PriceChanged as changed:
            quote = changed.quote
            form.add_error(None, str(changed))
        except OrderingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Order %(number)s is placed.") % {"number": order.number})
            url = _order_url(order)
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if quote is None:
        quote = services.quote_cart(cart=cart)
        seen = form.cleaned_data.get("expected_total")
        if seen is not None and seen != quote.total and quote.lines and not form.non_field_errors():
            # Shown again for another reason (a date in the past, say) while the figures moved.
            form.add_error(None, str(PriceChanged(quote)))
    key = form.cleaned_data.get("idempotency_key") or CheckoutForm.new_key()
    template = "ordering/partials/checkout_body.html" if request.htmx else "ordering/checkout.html"
    return render(request, template, _checkout_context(request, quote, form, key))
