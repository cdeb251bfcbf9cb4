"""Quick order: typed rows, pasted lines and uploaded CSV/XLSX, checked line by line."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.access import member_required

from .. import quick_order
from ..forms import QuickOrderUploadForm
from ..services import OrderingError
from .common import BLANK_ROWS, _cart

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
    cart = _cart(request)
    try:
        report = quick_order.check_entries(company=request.membership.company, cart=cart, entries=state.entries())
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
    return _add_valid_lines(request, state, cart, report)


def _add_valid_lines(request, state: QuickOrderState, cart, report):
    """The valid lines into the cart; the others stay on the page with what to fix."""
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
    remaining = quick_order.check_entries(company=request.membership.company, cart=cart, entries=state.entries())
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
