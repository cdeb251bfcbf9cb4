"""Fulfilment's codes for kit.phrases (order events and notifications of picking and shipping).

Registered when the app is ready (FulfilmentConfig.ready). Each part of fulfilment keeps its
codes in its own block below.
"""

from django.utils.translation import gettext_lazy as _

from kit import phrases

# --- Picking (ordering.fulfilment.picking) ---------------------------------------------------
PICKING_STARTED = "fulfilment.picking_started"


def _register_picking() -> None:
    phrases.register(
        PICKING_STARTED,
        _("The warehouse started picking your order."),
        _("Picking started (pick list %(number)s)."),
    )


# --- end of picking ---------------------------------------------------------------------------


def register() -> None:
    _register_picking()
