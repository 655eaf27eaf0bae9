"""Who made a change: services stamp the acting user on instances so simple-history records
it even outside a request (imports in Celery, management commands)."""


def stamp(instance, user, reason: str = ""):
    instance._history_user = user
    if reason:
        instance._change_reason = reason
    return instance
