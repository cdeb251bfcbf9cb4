from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrderingConfig(AppConfig):
    name = "ordering"
    verbose_name = _("Ordering")

    def ready(self):
        from . import phrases

        phrases.register()
