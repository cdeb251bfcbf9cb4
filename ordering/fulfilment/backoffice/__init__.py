"""Fulfilment's back-office screens (Wagtail admin), one module per family of screens:

- `trace`: a lot's receivers (CSV, XLSX, print) and its recall; an order's lots; expiring lots
  with the orders holding them (URL namespace "fulfilment_trace").
"""
