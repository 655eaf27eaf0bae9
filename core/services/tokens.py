"""API tokens (core.models.ApiToken): created with the token shown once, checked by its hash,
revoked, never stored in clear."""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from core.models import ApiToken

PREFIX = "yb_"
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most once a minute per token


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the record and the token itself, which is not kept."""
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], key_hash=_hash(raw))
    return token, raw


def token_user(raw: str):
    """The active user a valid, unrevoked token belongs to, or None."""
    if not raw.startswith(PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_refusal(raw: str) -> str:
    """Why a token that opens nothing is refused, for the caller's IT staff."""
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw)).first() if raw.startswith(PREFIX) else None
    if token is not None and (token.revoked_at is not None or not token.user.is_active):
        return "接口令牌已停用或已更换，请向医保局索取新令牌"
    return "需要有效的接口令牌（请求头 Authorization: Bearer 令牌）"


def token_revoke(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def token_revoke_all(user) -> int:
    """Revoke every active token of `user`; how many were."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def request_user(request):
    """The caller of a JSON interface: the logged-in session's user, else the user of an
    `Authorization: Bearer <token>` header, else None."""
    if request.user.is_authenticated:
        return request.user
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    return token_user(raw.strip())
