"""The back office's sidebar, kept per person for a minute (`{% cached_sidebar_props %}`, used by
templates/wagtailadmin/base.html in place of Wagtail's `{% sidebar_props %}`).

Wagtail builds the sidebar's props on every admin page: each menu item's permission check, the
search areas and telepath's packing of some 150 objects, about a third of a dashboard page's
time. They are the same on every page a person opens (the sidebar marks the current item in the
browser), so they are kept in this process's memory under what they depend on:
- the person, their permissions and name, and the language;
- the sidebar's live figures (`kit.backoffice.sidebar_badges`: the approvals count), read first,
  so a count that moves makes a new entry at once.
A change of anything else (a menu item added by a deployment) shows within SIDEBAR_SECONDS.
"""

from django import template
from django.core.cache import caches
from django.utils.translation import get_language
from wagtail.admin.templatetags.wagtailadmin_tags import sidebar_props

from kit.backoffice import SIDEBAR_SECONDS, sidebar_badges

register = template.Library()


@register.simple_tag(takes_context=True)
def cached_sidebar_props(context):
    request = context["request"]
    user = request.user
    # After the view's own permission check these are in memory: no query.
    permissions = hash((user.is_superuser, frozenset(user.get_all_permissions())))
    badges = tuple(badge(request) for badge in sidebar_badges)
    key = f"sidebar:{user.pk}:{get_language()}:{permissions}:{hash((user.get_full_name(), user.email))}:{badges}"
    cache = caches["local"]
    props = cache.get(key)
    if props is None:
        props = sidebar_props(context)
        cache.set(key, props, SIDEBAR_SECONDS)
    return props
