from django import template

from ..panels import may_edit_pages

register = template.Library()


@register.simple_tag(takes_context=True)
def page_editor(context) -> bool:
    """Whether the signed-in staff user may edit pages (the dashboard's page search is theirs)."""
    return may_edit_pages(context["request"])
