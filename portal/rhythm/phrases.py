"""Rhythm's codes for kit.phrases: the late-customer notice to the rep and the rep's message to a
customer's buyers (registered in RhythmConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import NotificationKind, notification_code
from kit import phrases


def register() -> None:
    # params: company (its name), last (kit.phrases.day), since (days since), rhythm (a phrase below)
    phrases.register(
        notification_code(NotificationKind.CUSTOMER_LATE.value, "title"),
        _("%(company)s is ordering late"),
    )
    phrases.register(
        notification_code(NotificationKind.CUSTOMER_LATE.value, "body"),
        _("%(company)s last ordered on %(last)s, %(since)s days ago (%(rhythm)s)."),
    )
    # params: rep (their name), company (its name), text (the rep's words, verbatim)
    phrases.register(
        notification_code(NotificationKind.REP_MESSAGE.value, "title"),
        _("A message from %(rep)s, your sales rep"),
    )
    phrases.register(notification_code(NotificationKind.REP_MESSAGE.value, "body"), _("%(text)s"))
    # params: interval (days)
    phrases.register("rhythm.usual_interval", _("usually every %(interval)s days"))
    phrases.register("rhythm.no_interval", _("no usual interval yet"))
