"""The portal's language switch: Django's `set_language`, which also remembers the choice on the
person (`User.language`), so e-mails sent to them later are written in it."""

from django.conf import settings
from django.views.i18n import set_language as django_set_language

from .models import User


def set_language(request):
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.method == "POST" and request.user.is_authenticated and language in dict(settings.LANGUAGES):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response
