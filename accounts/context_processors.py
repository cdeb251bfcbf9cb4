from django.utils.functional import SimpleLazyObject

from .access import memberships_for


def active_company(request):
    """The active membership and, evaluated once if a template asks, the user's memberships."""
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)

    def all_memberships():
        if user is None or not user.is_authenticated:
            return []
        return list(memberships_for(user))

    return {
        "membership": membership,
        "active_company": membership.company if membership else None,
        "switchable_memberships": SimpleLazyObject(all_memberships),
    }
