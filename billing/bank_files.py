"""Reading bank statement files into lines, saving nothing: CSV and XLSX as Chinese banks export
them (through kit.spreadsheets, the one reader, with the account's column mapping), MT940 (the
`mt940` package) and CAMT.053 (ISO 20022 XML, parsed with defusedxml so no entity tricks reach
the parser).

Every row is checked before anything is kept: `parse_statement` answers the lines and the
problems, each naming its row, field and reason; billing.services.bank saves only a file without
problems.
"""

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import mt940
from defusedxml import ElementTree
from django.utils.translation import gettext as _

from kit.spreadsheets import MAX_ROWS, SpreadsheetError, decode_text, read_grid

# The mapping's column roles, and what they are called on screen.
ROLES = ("date", "amount", "credit", "debit", "payer", "payer_account", "reference", "serial")
# A file without one of these columns cannot be read; the others may be missing from a file.
REQUIRED_ROLES = ("date", "amount", "credit")
TOTAL_WORDS = ("合计", "总计", "本页合计", "total")
# Column mappings of common exports, offered when an account is set up (headings as the banks
# write them; an account's own mapping may differ and is saved with it).
PRESETS = {
    "icbc": {
        "label": "工商银行 ICBC (CSV)",
        "date": "交易日期",
        "credit": "贷方发生额",
        "debit": "借方发生额",
        "payer": "对方户名",
        "payer_account": "对方账号",
        "reference": "摘要",
        "serial": "流水号",
        "header_row": 0,
        "encoding": "",
    },
    "cmb": {
        "label": "招商银行 CMB (XLSX)",
        "date": "记账日期",
        "amount": "交易金额",
        "payer": "对方户名",
        "payer_account": "对方账号",
        "reference": "用途",
        "header_row": 0,
        "encoding": "",
    },
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日", "%d.%m.%Y")


@dataclass
class ParsedLine:
    row: int
    booked_on: date
    amount: Decimal  # positive: money in
    currency: str
    payer_name: str = ""
    payer_account: str = ""
    reference: str = ""
    serial: str = ""

    def line_hash(self, account_id: int) -> str:
        """What the bank said about the line, so the same line read twice hashes the same."""
        parts = [
            str(account_id),
            self.booked_on.isoformat(),
            f"{self.amount:.2f}",
            self.currency,
            _squash(self.payer_name),
            _squash(self.payer_account),
            _squash(self.reference),
            _squash(self.serial),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass
class Problem:
    row: int | None
    field: str
    reason: str

    def __str__(self):
        if self.row is None:
            return self.reason
        return _("Row %(row)s, %(field)s: %(reason)s") % {"row": self.row, "field": self.field, "reason": self.reason}


@dataclass
class ParsedStatement:
    format: str
    lines: list[ParsedLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def file_format(filename: str, data: bytes) -> str:
    extension = os.path.splitext(filename)[1].lower()
    if extension in (".csv", ".xlsx"):
        return extension[1:]
    if extension in (".sta", ".mt940", ".940", ".txt") or data.lstrip().startswith((b":20:", b"{1:")):
        return "mt940"
    if extension == ".xml":
        return "camt053"
    raise SpreadsheetError(
        _("“%(name)s” is not a statement file we read: upload CSV, .xlsx, MT940 (.sta, .txt) or CAMT.053 (.xml).")
        % {"name": filename}
    )


def parse_statement(*, filename: str, data: bytes, account) -> ParsedStatement:
    """The file's lines for `account` (a BankAccount), or its problems; SpreadsheetError when the
    file cannot be read at all."""
    kind = file_format(filename, data)
    if kind in ("csv", "xlsx"):
        return _parse_grid(filename, data, account)
    if kind == "mt940":
        return _parse_mt940(data, account)
    return _parse_camt053(data, account)


# --- CSV / XLSX ---------------------------------------------------------------------------------


def _heading(text: str) -> str:
    return re.sub(r"[\s()（）:：*]+", "", text).lower()


def _parse_grid(filename: str, data: bytes, account) -> ParsedStatement:
    mapping = account.mapping or {}
    statement = ParsedStatement(format=os.path.splitext(filename)[1].lower()[1:])
    if not mapping.get("date") or not (mapping.get("amount") or mapping.get("credit")):
        statement.problems.append(
            Problem(
                None,
                "",
                _("Set the account's column mapping first: at least the date and the amount (or credit) columns."),
            )
        )
        return statement
    rows = read_grid(filename=filename, data=data, max_rows=MAX_ROWS, encoding=mapping.get("encoding", ""))
    header_row = int(mapping.get("header_row") or 0)
    wanted = _heading(mapping["date"])
    heading = next(
        (
            (number, cells)
            for number, cells in rows
            if (number == header_row if header_row else wanted in {_heading(cell) for cell in cells})
        ),
        None,
    )
    if heading is None:
        where = _("on row %(row)s") % {"row": header_row} if header_row else _("in the file")
        statement.problems.append(
            Problem(
                None,
                "",
                _("No heading row with the column “%(column)s” %(where)s.")
                % {"column": mapping["date"], "where": where},
            )
        )
        return statement
    heading_row, heading_cells = heading
    positions = {_heading(cell): index for index, cell in enumerate(heading_cells) if cell}
    columns = {}
    for role in ROLES:
        name = mapping.get(role, "")
        if not name:
            continue
        if _heading(name) not in positions:
            if role not in REQUIRED_ROLES:
                continue  # this file leaves out a column other files of the bank have
            statement.problems.append(
                Problem(heading_row, name, _("the file has no column “%(column)s”.") % {"column": name})
            )
            continue
        columns[role] = positions[_heading(name)]
    if statement.problems:
        return statement
    for number, cells in rows:
        if number <= heading_row:
            continue
        values = {role: (cells[index] if index < len(cells) else "") for role, index in columns.items()}
        if _date(values["date"]) is None and any(cell.strip().lower().startswith(TOTAL_WORDS) for cell in cells):
            continue  # the bank's total line under the rows
        line = _grid_line(number, values, mapping, account.currency, statement.problems)
        if line is not None:
            statement.lines.append(line)
    return statement


def _grid_line(number, values, mapping, currency, problems) -> ParsedLine | None:
    before = len(problems)
    booked_on = _date(values["date"])
    if booked_on is None:
        problems.append(Problem(number, mapping["date"], _("“%(value)s” is not a date.") % {"value": values["date"]}))
    amount = None
    if "amount" in values:
        amount = _amount(values["amount"], number, mapping["amount"], problems)
    else:
        credit = _amount(values.get("credit", ""), number, mapping.get("credit", ""), problems, blank_is_zero=True)
        debit = _amount(values.get("debit", ""), number, mapping.get("debit", ""), problems, blank_is_zero=True)
        if credit is not None and debit is not None:
            amount = credit - abs(debit)
    if amount == 0:
        problems.append(
            Problem(number, mapping.get("amount") or mapping.get("credit"), _("the amount is zero or missing."))
        )
    if len(problems) > before:
        return None
    return ParsedLine(
        row=number,
        booked_on=booked_on,
        amount=amount,
        currency=currency,
        payer_name=values.get("payer", "")[:200],
        payer_account=values.get("payer_account", "").replace(" ", "")[:60],
        reference=values.get("reference", "")[:500],
        serial=values.get("serial", "")[:100],
    )


def _date(text: str) -> date | None:
    text = text.strip()
    candidate = text.split(" ")[0] if " " in text and "年" not in text else text
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(candidate, pattern).date()
        except ValueError:
            continue
    return None


def _amount(text, row, column, problems, *, blank_is_zero=False) -> Decimal | None:
    cleaned = re.sub(r"[,\s¥￥]|CNY|RMB|元", "", text or "")
    if cleaned in ("", "-", "--") and blank_is_zero:
        return Decimal("0.00")
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        problems.append(Problem(row, column, _("“%(value)s” is not an amount.") % {"value": text}))
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")) or abs(value) >= Decimal("1e12"):
        problems.append(Problem(row, column, _("“%(value)s” is not an amount in yuan and fen.") % {"value": text}))
        return None
    return (-value if negative else value).quantize(Decimal("0.01"))


# --- MT940 --------------------------------------------------------------------------------------

_ORDP = re.compile(r"/(?:ORDP|NAME)/([^/]+)")


def _parse_mt940(data: bytes, account) -> ParsedStatement:
    statement = ParsedStatement(format="mt940")
    transactions = mt940.models.Transactions()
    try:
        transactions.parse(decode_text(data))
    except Exception as error:  # noqa: BLE001 - any failure of the parser on a bank's file is "unreadable"
        raise SpreadsheetError(_("The MT940 file could not be read: %(error)s") % {"error": error}) from error
    if not len(transactions):
        raise SpreadsheetError(_("The MT940 file holds no transactions."))
    for number, transaction in enumerate(transactions, start=1):
        values = transaction.data
        amount = values.get("amount")
        if amount is None or values.get("date") is None:
            statement.problems.append(Problem(number, ":61:", _("the transaction has no amount or date.")))
            continue
        currency = amount.currency or values.get("currency") or account.currency
        if currency != account.currency:
            statement.problems.append(
                Problem(number, ":61:", _("the currency %(currency)s is not the account's.") % {"currency": currency})
            )
            continue
        details = " ".join((values.get("transaction_details") or "").split())
        payer = _ORDP.search(details)
        reference = " ".join(part for part in (values.get("customer_reference"), details) if part and part != "NONREF")
        statement.lines.append(
            ParsedLine(
                row=number,
                booked_on=date(values["date"].year, values["date"].month, values["date"].day),
                amount=Decimal(amount.amount).quantize(Decimal("0.01")),
                currency=currency,
                payer_name=(payer.group(1).strip() if payer else "")[:200],
                reference=reference[:500],
                serial=(values.get("bank_reference") or "")[:100],
            )
        )
    return statement


# --- CAMT.053 -----------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element, *path):
    """The first descendant along `path` of local names, whatever the namespace's version."""
    current = [element]
    for name in path:
        current = [child for parent in current for child in parent if _local(child.tag) == name]
        if not current:
            return None
    return current[0]


def _text(element, *path) -> str:
    found = _find(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _parse_camt053(data: bytes, account) -> ParsedStatement:
    statement = ParsedStatement(format="camt053")
    try:
        root = ElementTree.fromstring(data)
    except Exception as error:  # noqa: BLE001 - defusedxml refuses entities; any failure means unreadable
        raise SpreadsheetError(_("The CAMT.053 file could not be read: %(error)s") % {"error": error}) from error
    entries = [element for element in root.iter() if _local(element.tag) == "Ntry"]
    if not entries:
        raise SpreadsheetError(_("The CAMT.053 file holds no entries."))
    if len(entries) > MAX_ROWS:
        raise SpreadsheetError(
            _("The file has more than %(rows)s rows. Split it into smaller files.") % {"rows": MAX_ROWS}
        )
    for number, entry in enumerate(entries, start=1):
        amount_element = _find(entry, "Amt")
        problems_before = len(statement.problems)
        amount = None
        if amount_element is None:
            statement.problems.append(Problem(number, "Amt", _("the entry has no amount.")))
        else:
            amount = _amount(amount_element.text or "", number, "Amt", statement.problems)
            currency = amount_element.get("Ccy") or account.currency
            if amount is not None and currency != account.currency:
                statement.problems.append(
                    Problem(
                        number, "Amt", _("the currency %(currency)s is not the account's.") % {"currency": currency}
                    )
                )
        booked_on = _date(
            _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm")[:10] or _text(entry, "ValDt", "Dt")
        )
        if booked_on is None:
            statement.problems.append(Problem(number, "BookgDt", _("the entry has no booking date.")))
        direction = _text(entry, "CdtDbtInd")
        if direction not in ("CRDT", "DBIT"):
            statement.problems.append(Problem(number, "CdtDbtInd", _("the entry is neither a credit nor a debit.")))
        if len(statement.problems) > problems_before:
            continue
        details = _find(entry, "NtryDtls", "TxDtls")
        payer = payer_account = reference = serial = ""
        if details is not None:
            payer = _text(details, "RltdPties", "Dbtr", "Nm") or _text(details, "RltdPties", "Dbtr", "Pty", "Nm")
            payer_account = _text(details, "RltdPties", "DbtrAcct", "Id", "IBAN") or _text(
                details, "RltdPties", "DbtrAcct", "Id", "Othr", "Id"
            )
            reference = " ".join(
                part.text.strip() for part in details.iter() if _local(part.tag) == "Ustrd" and part.text
            ) or _text(details, "Refs", "EndToEndId")
            serial = _text(details, "Refs", "AcctSvcrRef")
        serial = serial or _text(entry, "AcctSvcrRef")
        statement.lines.append(
            ParsedLine(
                row=number,
                booked_on=booked_on,
                amount=abs(amount) if direction == "CRDT" else -abs(amount),
                currency=account.currency,
                payer_name=payer[:200],
                payer_account=payer_account[:60],
                reference=reference[:500],
                serial=serial[:100],
            )
        )
    return statement


def _squash(text: str) -> str:
    return " ".join((text or "").split()).lower()
