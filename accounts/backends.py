"""Authentication backends that read the signed-in person from the shared cache.

Every request loads its user; a person changes rarely. The user is kept in the shared cache and
dropped whenever it is saved or deleted (accounts.signals), so a changed password, a
deactivation or a deletion takes effect on the next request, as without the cache. Whoever
changes users with QuerySet.update() calls forget_user() itself.
"""

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.core.cache import cache

from .caching import forget_now_and_on_commit

USER_TIMEOUT = 10 * 60


def _user_key(user_id) -> str:
    return f"accounts:user:{user_id}"


def forget_user(user_id) -> None:
    forget_now_and_on_commit([_user_key(user_id)])


class CachedUserMixin:
    def get_user(self, user_id):
        key = _user_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)  # None when missing or inactive
            if user is not None:
                cache.set(key, user, USER_TIMEOUT)
            return user
        return user if self.user_can_authenticate(user) else None


class ModelBackend(CachedUserMixin, django_backends.ModelBackend):
    pass


class AuthenticationBackend(CachedUserMixin, allauth_backends.AuthenticationBackend):
    pass
