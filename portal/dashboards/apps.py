from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "portal.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self):
        from . import receivers  # noqa: F401
