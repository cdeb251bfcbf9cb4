"""Import and export of products, price-list entries and stock receipts as CSV and XLSX.

Verbs:
- kit.spreadsheets.read_table(upload=..., layout=...): the file's heading row and data rows as text, or
  SpreadsheetError saying in plain words why the file cannot be used (size, encoding, not a real
  workbook, zip bomb, missing or unknown columns).
- check_import(kind=..., table=..., options=...): every row validated against the database, errors
  with the row number the spreadsheet shows (the heading is row 1), counts of new / changed /
  unchanged rows. Saves nothing.
- commit_import(kind=..., table=..., options=..., user=...): checks again inside one transaction
  and writes every row or none; ImportRejected when a row is bad now.
- stage_import / load_staged / claim_staged / discard_staged: keep an uploaded table on the server
  between preview and commit, in a file named by a random token and bound to the user, so a
  commit never trusts data posted back by the browser.
- product_export / price_list_export / template_export and spreadsheet_bytes: downloads, with
  spreadsheet formulas neutralised.

Why a pipeline of our own on openpyxl and the csv module rather than django-import-export: the
errors must name the spreadsheet row, the column and the offending value in plain words, which
import-export's per-field Django validation messages do not; receipts must go through
catalog.services.receive_stock rather than a model save; 20,000 price rows want one SKU query and
one bulk upsert rather than a lookup per row; and the encoding, size and zip-bomb checks must run
before any parser sees the file anyway. openpyxl is already installed (Wagtail requires it), so
this adds no dependency.
"""

from kit.spreadsheets import FORMATS, Download, SpreadsheetError, Table, read_table

from .checks import ImportRejected, Preview, check_import
from .commit import commit_import
from .exports import errors_export, price_list_export, product_export, template_export
from .sheets import KINDS, PRICES, PRODUCTS, RECEIPTS, ImportOptions, RowError
from .staging import Staged, claim_staged, discard_staged, load_staged, release_staged, stage_import

__all__ = [
    "FORMATS",
    "KINDS",
    "PRICES",
    "PRODUCTS",
    "RECEIPTS",
    "Download",
    "ImportOptions",
    "ImportRejected",
    "Preview",
    "RowError",
    "SpreadsheetError",
    "Staged",
    "Table",
    "check_import",
    "claim_staged",
    "commit_import",
    "discard_staged",
    "errors_export",
    "load_staged",
    "price_list_export",
    "product_export",
    "read_table",
    "release_staged",
    "stage_import",
    "template_export",
]
