"""Security events: denied access, exports, imports and refused files are recorded with the
user, the address and the object, and logged."""

import logging

from core.models import SecurityEvent

logger = logging.getLogger("core.security")


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_event(*, kind, user=None, request=None, obj=None, object_type="", object_id="", detail=""):
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
    user = user if user is not None else getattr(request, "user", None)
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.is_authenticated else None,
        path=request.get_full_path()[:500] if request is not None else "",
        object_type=object_type,
        object_id=str(object_id)[:64],
        detail=detail,
        ip_address=client_ip(request),
    )
    if kind == SecurityEvent.Kind.ACCESS_DENIED:
        logger.warning("access denied: user=%s path=%s object=%s:%s", user, event.path, object_type, object_id)
    return event


def record_denied(request, model, object_id, detail="对象不在用户所属区划内"):
    return record_event(
        kind=SecurityEvent.Kind.ACCESS_DENIED, request=request, object_type=model._meta.label, object_id=object_id, detail=detail
    )
