"""Optional bearer-token authentication (setting api.keys, and api.admin_keys for document changes)."""

from __future__ import annotations

import hmac

from fastapi import Request

from api.errors import ApiError


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _matches(token: str, keys: list[str]) -> bool:
    # Compare with every key in constant time, so timing reveals nothing about any of them.
    found = False
    for key in keys:
        found |= hmac.compare_digest(token.encode(), key.encode())
    return found


def check(request: Request, *, admin: bool = False) -> None:
    """401 without a valid key when keys are configured; 403 when an admin key is needed and not given."""
    settings = request.app.state.settings.api
    keys = [k.get_secret_value() for k in settings.keys if k.get_secret_value()]
    admin_keys = [k.get_secret_value() for k in settings.admin_keys if k.get_secret_value()]
    if not keys and not admin_keys:
        return
    token = _token(request)
    need_any = bool(keys) or admin
    if token is None:
        if need_any:
            raise ApiError(401, "unauthorized", "an API key is required: send 'Authorization: Bearer KEY'",
                           {"WWW-Authenticate": "Bearer"})  # fmt: skip
        return
    if not _matches(token, keys + admin_keys):
        raise ApiError(401, "unauthorized", "the API key is not valid", {"WWW-Authenticate": "Bearer"})
    if admin and admin_keys and not _matches(token, admin_keys):
        raise ApiError(403, "forbidden", "changing documents needs an admin key (setting api.admin_keys)")


async def require_key(request: Request) -> None:
    check(request)


async def require_admin(request: Request) -> None:
    check(request, admin=True)
