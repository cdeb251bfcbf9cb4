from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog and stock")

    def ready(self):
        from . import phrases, signals  # noqa: F401  (signals connects the receivers)

        phrases.register()
