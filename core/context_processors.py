def navigation(request):
    """The navigation bar: which app menus the user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_enrollment": user.has_perm("enrollment.view_person"),
        "nav_imports": any(user.has_perm(p) for p in ("enrollment.import_enrollment", "enrollment.import_employeecoverage", "core.add_region",
                                                         "assistance.import_hardshipidentity", "benefits.import_settlement")),
        "nav_policy": user.has_perm("enrollment.view_contributionstandard"),
        "nav_admin": user.is_staff,
    }
