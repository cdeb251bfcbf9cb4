from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    name = "ordering.fulfilment"
    label = "fulfilment"
    verbose_name = _("Fulfilment")

    def ready(self):
        from . import phrases

        phrases.register()

        # --- alloc: backorders filled when stock arrives ---
        from catalog.signals import stock_received

        from .backorders import stock_received as fill_on_receipt

        stock_received.connect(fill_on_receipt, dispatch_uid="fulfilment.fill_backorders")
        # --- end alloc ---
