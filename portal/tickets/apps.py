from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "portal.tickets"
    label = "tickets"
    verbose_name = "Service tickets"

    def ready(self):
        from . import phrases, receivers  # noqa: F401  (receivers connect billing's signals)

        phrases.register()
