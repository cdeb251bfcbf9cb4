from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RhythmConfig(AppConfig):
    name = "portal.rhythm"
    label = "rhythm"
    verbose_name = _("Customer rhythm")

    def ready(self):
        from . import phrases

        phrases.register()
