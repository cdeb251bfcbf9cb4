"""The customer's statements (对账), for the company's finance and admin members: the list, one
statement (its lines with the running balance, opening and closing, confirm, dispute lines with
comments, the answers), its PDF. Writes go through `billing.services.statements`."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_for_member, member_required, scoped

from ..documents import store_statement_pdf
from ..models import Statement
from ..services import statements

STATEMENTS_PER_PAGE = 24


def _statement(request, pk: int) -> Statement:
    return get_for_member(request, Statement.objects.select_related("company"), pk=pk)


@member_required(roles=statements.STATEMENT_ROLES)
def statement_list(request):
    queryset = scoped(request, Statement.objects.all()).order_by("-period_end", "currency", "-pk")
    page = Paginator(queryset, STATEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "billing/statement_list.html", {"page": page, "statements": list(page.object_list)})


@member_required(roles=statements.STATEMENT_ROLES)
def statement_detail(request, pk: int):
    statement = _statement(request, pk)
    return _render_detail(request, statement)


def _render_detail(request, statement, *, comments=None):
    lines = statements.statement_lines(statement)
    return render(
        request,
        "billing/statement_detail.html",
        {
            "statement": statement,
            "lines": [(line, statements.entry_reference(line.entry)) for line in lines],
            "comments": comments or {},
            "can_confirm": statement.state != Statement.State.CONFIRMED
            and not any(d.is_open for line in lines for d in line.disputes),
            "can_dispute": statement.state != Statement.State.CONFIRMED,
        },
    )


@require_POST
@member_required(roles=statements.STATEMENT_ROLES)
def statement_confirm(request, pk: int):
    statement = _statement(request, pk)
    try:
        statements.confirm(statement, user=request.user)
    except statements.StatementError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you: the statement is confirmed."))
    return redirect("billing:statement", statement.pk)


@require_POST
@member_required(roles=statements.STATEMENT_ROLES)
def statement_dispute(request, pk: int):
    """The form names each line's comment `comment-<entry id>`; empty comments are not disputes."""
    statement = _statement(request, pk)
    comments = {}
    for name, value in request.POST.items():
        if name.startswith("comment-") and name[len("comment-") :].isdigit():
            comments[int(name[len("comment-") :])] = value
    try:
        created = statements.dispute(statement, comments, user=request.user)
    except statements.StatementError as error:
        messages.error(request, str(error))
        return _render_detail(request, statement, comments=comments)
    messages.success(
        request,
        _("%(count)s line(s) disputed: the distributor's finance will answer here.") % {"count": len(created)},
    )
    return redirect("billing:statement", statement.pk)


@member_required(roles=statements.STATEMENT_ROLES)
def statement_pdf(request, pk: int):
    statement = _statement(request, pk)
    stored = store_statement_pdf(statement)
    return FileResponse(
        stored.open("rb"), content_type="application/pdf", filename=f"{statement.number}.pdf", as_attachment=False
    )
