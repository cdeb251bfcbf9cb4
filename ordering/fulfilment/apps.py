from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    name = "ordering.fulfilment"
    label = "fulfilment"
    verbose_name = _("Fulfilment")

    def ready(self):
        from . import phrases

        phrases.register()
