"""Sessions, pending 2FA logins and API-key (HMAC) signatures.

A session token is a random UUID string handed out by a login; it stays valid until ``LogOut``
or until ``session_ttl`` seconds (APEX: one hour) pass without any call using it, measured on
the injected clock. Pending-2FA tokens expire after the same idle time.

Signature (apex-api.md §1.2.1)::

    lowercase_hex(HMAC_SHA256(key=APISecret, msg=Nonce + UserId + APIKey))

Nonces are not checked for reuse (no documented rule; ccxt sends millisecond timestamps).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass

from .catalog import User

__all__ = ["SessionStore", "sign", "verify_signature"]


def sign(secret: str, nonce: str, user_id: str, api_key: str) -> str:
    """The APEX API-key signature for ``nonce``, ``user_id`` and ``api_key``."""
    message = (nonce + user_id + api_key).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(user: User, nonce: str, user_id: str, api_key: str, signature: str) -> bool:
    """True if ``api_key`` is the user's and ``signature`` is its valid HMAC (any hex case)."""
    if not hmac.compare_digest(api_key.encode(), user.api_key.encode()):
        return False
    expected = sign(user.api_secret, nonce, user_id, api_key)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


@dataclass
class _Entry:
    user_id: int
    last_seen: float


class SessionStore:
    """Live sessions and pending 2FA logins (not thread-safe; the engine lock guards it)."""

    def __init__(self) -> None:
        self._sessions: dict[str, _Entry] = {}
        self._pending: dict[str, _Entry] = {}

    def open(self, user_id: int, now: float) -> str:
        """Start a session for ``user_id``; returns its token."""
        token = str(uuid.uuid4())
        self._sessions[token] = _Entry(user_id, now)
        return token

    def resolve(self, token: str, now: float, ttl: float) -> int | None:
        """The UserId of a live session (and mark it active), or None if unknown or expired."""
        entry = self._sessions.get(token.strip())
        if entry is None:
            return None
        if now - entry.last_seen > ttl:
            del self._sessions[token.strip()]
            return None
        entry.last_seen = now
        return entry.user_id

    def close(self, token: str) -> bool:
        """End a session; True if it existed."""
        return self._sessions.pop(token.strip(), None) is not None

    def open_pending(self, user_id: int, now: float) -> str:
        """Start a login waiting for its 2FA code; returns the pending token."""
        token = uuid.uuid4().hex
        self._pending[token] = _Entry(user_id, now)
        return token

    def pending_user(self, token: str, now: float, ttl: float) -> int | None:
        """The UserId waiting behind a pending-2FA token, or None."""
        entry = self._pending.get(token.strip())
        if entry is None or now - entry.last_seen > ttl:
            self._pending.pop(token.strip(), None)
            return None
        return entry.user_id

    def finish_pending(self, token: str) -> None:
        """Forget a pending-2FA token once its code was accepted."""
        self._pending.pop(token.strip(), None)

    def __len__(self) -> int:
        return len(self._sessions)
