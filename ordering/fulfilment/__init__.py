"""Fulfilment: pick lists, picks confirmed by lot, shipments with their delivery notes and
temperatures. Its own Django app inside ordering; it depends on ordering and catalog, never the
other way, moves orders only through `ordering.states` and stock only through catalog's verbs."""
