from datetime import timedelta

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def hours(value: timedelta | None) -> str:
    """A duration in hours with one decimal (the clock's unit), in the reader's number format."""
    if value is None:
        return ""
    return number_format(round(value.total_seconds() / 3600, 1), decimal_pos=1)
