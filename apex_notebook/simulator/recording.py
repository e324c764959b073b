"""The call log: every call the simulator receives, as received, with secrets masked.

Client tests assert on it (``sim.requests``) to check exactly what was sent. Values of
``Password``, ``APISecret``, ``Secret``, ``Signature``, ``SessionToken``, ``Pending2FaToken``
and ``TwoFAToken`` (any case) are replaced by ``"***"``; headers are never recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MASK", "RecordedCall", "mask_payload"]

MASK = "***"
_SECRET_KEYS = frozenset({"password", "apisecret", "secret", "signature", "sessiontoken", "pending2fatoken",
                          "twofatoken"})


def mask_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A shallow copy of ``payload`` with secret values masked."""
    return {key: (MASK if key.lower() in _SECRET_KEYS else value) for key, value in payload.items()}


@dataclass(frozen=True)
class RecordedCall:
    """One received call: canonical ``name`` (as sent if unknown), masked ``payload``,
    the authenticated user's name (None if anonymous or refused) and the clock ``time``."""

    name: str
    payload: dict[str, Any]
    user: str | None
    time: float
