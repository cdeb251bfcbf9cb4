from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Companies and people")

    def ready(self):
        from django.apps import apps

        from . import roles, signals  # noqa: F401

        # Permissions are created app by app after migrate; sync the staff groups once the
        # last app is done, when every permission they name exists.
        last_app = list(apps.get_app_configs())[-1]
        post_migrate.connect(roles.sync_staff_groups_after_migrate, sender=last_app)
