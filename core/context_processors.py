def navigation(request):
    """The navigation bar: which app menus the user may open, and the lists the user may start
    an import of (`importable`: the importers' own refusal, so a province user who reads
    settlements is not offered a settlement import it would refuse)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from django.utils.functional import SimpleLazyObject

    from core.services.imports import IMPORTERS, can_import
    from core.services.notify import unread_count

    importable = frozenset(kind for kind in IMPORTERS if can_import(user, kind))
    return {
        "nav_enrollment": user.has_perm("enrollment.view_person"),
        "nav_imports": bool(importable) or user.has_perm("core.view_importjob"),
        "importable": importable,
        "nav_policy": user.has_perm("enrollment.view_contributionstandard"),
        "nav_admin": user.is_staff,
        "unread_messages": SimpleLazyObject(lambda: unread_count(user)),
    }
