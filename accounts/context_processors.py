def active_company(request):
    """The active membership and the user's memberships for the company switcher.

    Both were loaded by ActiveCompanyMiddleware in one query; nothing here touches the database.
    """
    membership = getattr(request, "membership", None)
    return {
        "membership": membership,
        "active_company": membership.company if membership else None,
        "switchable_memberships": getattr(request, "memberships", []),
    }
