"""Billing's verbs, one transaction each, the company's books locked first:

- `invoicing`: `invoice_shipment`, `invoice_month`, `credit_return`, `credit_lines`, `void_invoice`,
  `due_date`;
- `ledger`: the one writer of money movements (`book_invoice`, `book_credit_note`,
  `book_payment`, `refund_payment`, `reverse_payment`, `write_off`, `apply_credit`, `balance`);
- `numbering`: gapless document numbers;
- `statements`: statements (对账): `statement_for`, `confirm`, `dispute`, `resolve`, `generate_monthly`.
"""
