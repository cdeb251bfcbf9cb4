"""Invoice and credit-note PDFs, rendered through `kit.pdf` once, in the language the invoice was
issued in (`Invoice.language`), and stored on `Invoice.pdf`: what was issued never changes."""

from collections import defaultdict

from django.db.models.fields.files import FieldFile
from django.utils import translation

from kit.pdf import StaticOnlyFetcher, render_pdf_template, store_once

from .models import ZERO, Invoice

INVOICE_TEMPLATE = "billing/pdf/invoice.html"


def tax_summary(lines) -> list[dict]:
    """Net and tax per tax rate, highest rate first."""
    per_rate = defaultdict(lambda: {"net": ZERO, "tax": ZERO})
    for line in lines:
        per_rate[line.tax_rate]["net"] += line.net
        per_rate[line.tax_rate]["tax"] += line.tax
    return [{"rate": rate, **amounts} for rate, amounts in sorted(per_rate.items(), reverse=True)]


def invoice_pdf(invoice: Invoice, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The document's PDF in its language (not stored: see `store_invoice_pdf`)."""
    invoice = Invoice.objects.select_related("company", "shipment", "order", "credited_invoice").get(pk=invoice.pk)
    lines = list(invoice.lines.order_by("position"))
    with translation.override(invoice.language):
        context = {
            "invoice": invoice,
            "lines": lines,
            "taxes": tax_summary(lines),
            "language": translation.get_language(),
        }
        return render_pdf_template(INVOICE_TEMPLATE, context, fetcher=fetcher)


def invoice_pdf_name(invoice: Invoice) -> str:
    return f"{invoice.number}.pdf"


def store_invoice_pdf(invoice: Invoice) -> FieldFile:
    """The stored PDF, rendered and saved first if it has none yet (once: `kit.pdf.store_once`)."""
    return store_once(invoice, "pdf", invoice_pdf_name(invoice), lambda: invoice_pdf(invoice))


# --- Statements (对账) ----------------------------------------------------------------------------

STATEMENT_TEMPLATE = "billing/pdf/statement.html"


def statement_pdf(statement, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The statement's PDF in its language: both parties, opening balance, the lines with the
    running balance, closing balance (not stored: see `store_statement_pdf`)."""
    from .services.invoicing import buyer_party, seller_party
    from .services.statements import entry_reference, statement_lines

    with translation.override(statement.language):
        lines = statement_lines(statement)
        context = {
            "statement": statement,
            "lines": [(line, entry_reference(line.entry)) for line in lines],
            "seller": seller_party(),
            "buyer": buyer_party(statement.company),
            "language": translation.get_language(),
        }
        return render_pdf_template(STATEMENT_TEMPLATE, context, fetcher=fetcher)


def store_statement_pdf(statement) -> FieldFile:
    """The stored PDF, rendered once (a statement's lines are fixed at its generation)."""
    name = f"statement-{statement.company_id}-{statement.period_start:%Y%m%d}-{statement.period_end:%Y%m%d}.pdf"
    return store_once(statement, "pdf", name, lambda: statement_pdf(statement))
