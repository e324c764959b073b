"""The call log: every call the simulator receives, as received, with secrets masked.

Client tests assert on it (``sim.requests``) to check exactly what was sent. Secret values are
replaced by ``"***"`` **at every nesting depth** (inside nested objects and lists too): keys
(ASCII case-insensitive) ``Password``, ``APISecret``, ``Secret``, ``Signature``,
``SessionToken``, ``Pending2FaToken``, ``TwoFAToken``, the 2FA codes ``Code``, ``authCode``,
``TwoFACode``, ``2FACode``, ``OTP``, and any key containing ``password``, ``secret`` or
``token``. Containers nested deeper than :data:`MAX_DEPTH` are masked whole. Headers are
never recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .strict_json import fold_key

__all__ = ["MASK", "MAX_DEPTH", "RecordedCall", "is_secret_key", "mask_payload"]

MASK = "***"
#: Containers nested deeper than this are replaced by the mask (never recursed into).
MAX_DEPTH = 32
_SECRET_KEYS = frozenset({
    "password", "apisecret", "secret", "signature", "sessiontoken", "pending2fatoken", "twofatoken",
    "code", "authcode", "twofacode", "2facode", "otp", "otpcode", "gauthcode",
})
_SECRET_PARTS = ("password", "secret", "token")


def is_secret_key(key: object) -> bool:
    """True if values under ``key`` are masked in the log."""
    if not isinstance(key, str):
        return False
    folded = fold_key(key)
    return folded in _SECRET_KEYS or any(part in folded for part in _SECRET_PARTS)


def _mask(value: Any, depth: int) -> Any:
    if isinstance(value, Mapping):
        if depth >= MAX_DEPTH:
            return MASK
        return {key: (MASK if is_secret_key(key) else _mask(item, depth + 1)) for key, item in value.items()}
    if isinstance(value, list | tuple):
        if depth >= MAX_DEPTH:
            return MASK
        return [_mask(item, depth + 1) for item in value]
    return value


def mask_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``payload`` with secret values masked at every depth."""
    masked = _mask(payload, 0)
    assert isinstance(masked, dict)
    return masked


@dataclass(frozen=True)
class RecordedCall:
    """One received call: canonical ``name`` (as sent if unknown), masked ``payload``,
    the authenticated user's name (None if anonymous or refused) and the clock ``time``."""

    name: str
    payload: dict[str, Any]
    user: str | None
    time: float
