"""Who is calling: transport-neutral credentials and the per-call context handlers receive.

The HTTP gateway builds :class:`Credentials` from headers (``aptoken``, ``Authorization:
Basic``, the ``Nonce``/``APIKey``/``Signature``/``UserId`` quartet, ``Pending2FaToken``); a
WebSocket gateway would build them from its connection's session instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import User

__all__ = ["CallContext", "Credentials", "HmacCredentials"]


@dataclass(frozen=True)
class HmacCredentials:
    """The API-key signature quartet, as received (strings)."""

    nonce: str
    api_key: str
    signature: str
    user_id: str

    def __repr__(self) -> str:
        return f"HmacCredentials(user_id={self.user_id!r}, api_key={self.api_key!r}, signature=***)"


@dataclass(frozen=True)
class Credentials:
    """Everything a request carries that may identify its user."""

    session_token: str | None = None
    basic: tuple[str, str] | None = None
    hmac: HmacCredentials | None = None
    pending_2fa_token: str | None = None
    problem: str | None = None

    def __repr__(self) -> str:
        parts = [
            name for name, value in (("session_token", self.session_token), ("basic", self.basic),
                                     ("hmac", self.hmac), ("pending_2fa_token", self.pending_2fa_token))
            if value is not None
        ]
        return f"Credentials(<{', '.join(parts) or 'none'}>)"


@dataclass(frozen=True)
class CallContext:
    """The caller of one call: the authenticated user (None for anonymous public calls)."""

    user: User | None
    credentials: Credentials

    def require_user(self) -> User:
        """The authenticated user (handlers of private calls only run with one)."""
        assert self.user is not None, "private handler called without a user"
        return self.user
