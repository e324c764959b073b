"""Secret masking: which keys hold secrets, and copies of payloads and texts with them hidden.

A key is secret when, folded (case-folded, only letters and digits kept), it is one of
:data:`SECRET_KEYS` or contains ``password``, ``secret`` or ``token``. Masking reaches every depth:
dicts inside dicts and lists (``{"UserInfo": {"Password": ...}}``), so a nested secret is hidden in an
error's message, its ``payload`` attribute and any log line built from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MASK", "SECRET_KEYS", "is_secret_key", "mask_secrets", "scrub", "secret_values"]

#: What a secret value is replaced with.
MASK = "***"
#: Folded payload / header keys whose values are secrets (see :func:`is_secret_key`).
SECRET_KEYS = frozenset({
    "password", "apisecret", "secret", "sessiontoken", "aptoken", "pending2fatoken", "code",
    "signature", "authorization", "twofatoken", "twofacode", "2facode", "authcode", "otp", "otpcode",
    "gauthcode",
})
_SECRET_PARTS = ("password", "secret", "token")
#: Containers nested deeper than this are masked whole, never recursed into.
_MAX_DEPTH = 32
#: Secret values shorter than this are not searched for in texts (they would match by accident).
_MIN_SCRUB = 4


def _fold(key: str) -> str:
    return "".join(ch for ch in key.casefold() if ch.isalnum())


def is_secret_key(key: object) -> bool:
    """True if the values under ``key`` are secrets (``"Password"``, ``"api_secret"``, ``"aptoken"`` ...)."""
    if not isinstance(key, str):
        return False
    folded = _fold(key)
    return folded in SECRET_KEYS or any(part in folded for part in _SECRET_PARTS)


def _mask(value: Any, depth: int) -> Any:
    if isinstance(value, Mapping):
        if depth >= _MAX_DEPTH:
            return MASK
        return {k: (MASK if is_secret_key(k) else _mask(v, depth + 1)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        if depth >= _MAX_DEPTH:
            return MASK
        return [_mask(item, depth + 1) for item in value]
    return value


def mask_secrets(payload: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of ``payload`` with every secret value, at every depth, replaced by ``"***"``."""
    if not payload:
        return {}
    masked = _mask(payload, 0)
    assert isinstance(masked, dict)
    return masked


def secret_values(payload: Any, depth: int = 0) -> set[str]:
    """The text of every secret value in ``payload`` (at every depth), for :func:`scrub`."""
    found: set[str] = set()
    if depth >= _MAX_DEPTH:
        return found
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            found |= _all_leaves(value, depth + 1) if is_secret_key(key) else secret_values(value, depth + 1)
    elif isinstance(payload, list | tuple | set | frozenset):
        for item in payload:
            found |= secret_values(item, depth + 1)
    return found


def _all_leaves(value: Any, depth: int) -> set[str]:
    if depth >= _MAX_DEPTH:
        return set()
    if isinstance(value, Mapping):
        return set().union(*(_all_leaves(v, depth + 1) for v in value.values()))
    if isinstance(value, list | tuple | set | frozenset):
        return set().union(*(_all_leaves(v, depth + 1) for v in value))
    return set() if value is None or isinstance(value, bool) else {str(value)}


def scrub(text: str | None, secrets: set[str]) -> str | None:
    """``text`` with every occurrence of each secret (of at least 4 characters) replaced by ``"***"``."""
    if not text or not secrets:
        return text
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= _MIN_SCRUB:
            text = text.replace(secret, MASK)
    return text
