"""Authentication calls: Authenticate, AuthenticateUser, Authenticate2FA, LogOut, Ping.

Credentials are looked for in this order: ``UserName``/``Password`` in the payload;
``APIKey``/``Signature``/``UserId``/``Nonce`` in the payload; an ``Authorization: Basic``
header; the API-key headers. A failed login answers ``{"Authenticated": false, ...}`` (the
HTTP gateway sends it with ``SimConfig.unauthenticated_status``).
"""

from __future__ import annotations

import hmac
from typing import Any

from .catalog import DEMO_PASSWORD, User
from .context import CallContext, HmacCredentials
from .engine import Engine
from .params import Params, ascii_int
from .replies import ApiError, LoginError, standard_ok
from .sessions import verify_signature

__all__ = ["authenticate", "authenticate_2fa", "authenticate_user", "log_out", "ping"]


def _by_password(engine: Engine, username: str, password: str) -> User:
    user = engine.catalog.users_by_name.get(username.strip().lower())
    if user is None or not hmac.compare_digest(password.encode(), DEMO_PASSWORD.encode()):
        raise LoginError("Invalid username or password")
    return user


def _by_signature(engine: Engine, quartet: HmacCredentials) -> User:
    number = ascii_int(quartet.user_id)
    user = engine.catalog.users.get(number) if number is not None else None
    if user is None or not verify_signature(user, quartet.nonce, quartet.user_id, quartet.api_key,
                                            quartet.signature):
        raise LoginError("Invalid API key or signature")
    return user


def login_user(engine: Engine, ctx: CallContext, params: Params) -> User:
    """The user the request's credentials prove, or raise :class:`LoginError`."""
    username, password = params.get("UserName"), params.get("Password")
    if password is not None:
        if not isinstance(username, str) or not isinstance(password, str):
            raise LoginError("UserName and Password must be strings")
        return _by_password(engine, username, password)
    if params.has("APIKey") or params.has("Signature"):
        fields = [params.get(key) for key in ("Nonce", "APIKey", "Signature", "UserId")]
        if any(value is None or isinstance(value, bool) for value in fields):
            raise LoginError("APIKey, Signature, UserId and Nonce are all required")
        nonce, api_key, signature, user_id = (str(value) for value in fields)
        return _by_signature(engine, HmacCredentials(nonce, api_key, signature, user_id))
    credentials = ctx.credentials
    if credentials.basic is not None:
        return _by_password(engine, *credentials.basic)
    if credentials.hmac is not None:
        return _by_signature(engine, credentials.hmac)
    raise LoginError(credentials.problem or "No credentials supplied")


def _session(engine: Engine, user: User) -> dict[str, Any]:
    token = engine.sessions.open(user.user_id, engine.now())
    return {
        "Authenticated": True, "SessionToken": token, "UserId": user.user_id,
        "User": user.brief(engine.config.oms_id), "Locked": False, "Requires2FA": False,
        "EnforceEnable2FA": False, "TwoFAType": None, "TwoFAToken": None, "errormsg": None,
    }


def authenticate(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """HTTP ``Authenticate`` (Basic or API-key headers); 2FA users get a Pending2FaToken."""
    user = login_user(engine, ctx, params)
    if user.two_factor_code is not None:
        pending = engine.sessions.open_pending(user.user_id, engine.now())
        return {"Authenticated": True, "Requires2FA": True, "AuthType": "Google", "AddtlInfo": "",
                "Pending2FaToken": pending}
    return _session(engine, user)


def authenticate_user(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``AuthenticateUser`` (password or API-key signature); 2FA users get a TwoFAToken."""
    user = login_user(engine, ctx, params)
    if user.two_factor_code is not None:
        pending = engine.sessions.open_pending(user.user_id, engine.now())
        return {
            "Authenticated": True, "SessionToken": None, "UserId": user.user_id,
            "User": user.brief(engine.config.oms_id), "Locked": False, "Requires2FA": True,
            "EnforceEnable2FA": False, "TwoFAType": "Google", "TwoFAToken": pending, "errormsg": None,
        }
    return _session(engine, user)


def authenticate_2fa(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``Authenticate2FA``: header ``Pending2FaToken`` (or payload key) plus ``Code``."""
    token = ctx.credentials.pending_2fa_token or params.text("Pending2FaToken") or params.text("TwoFAToken")
    if not token:
        raise LoginError("the Pending2FaToken header is required")
    code = params.text("Code")
    if code is None:
        raise ApiError(100, "Code is required")
    now = engine.now()
    user_id = engine.sessions.pending_user(token, now, engine.config.session_ttl)
    user = engine.catalog.users.get(user_id) if user_id is not None else None
    if user is None or user.two_factor_code is None:
        raise LoginError("Invalid or expired Pending2FaToken")
    if not hmac.compare_digest(code.strip().encode(), user.two_factor_code.encode()):
        raise LoginError("Invalid 2FA code")
    engine.sessions.finish_pending(token)
    return {"Authenticated": True, "UserId": user.user_id,
            "SessionToken": engine.sessions.open(user.user_id, now)}


def log_out(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``LogOut``: ends the session named by the ``aptoken`` header (if any)."""
    if ctx.credentials.session_token:
        engine.sessions.close(ctx.credentials.session_token)
    return standard_ok()


def ping(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``Ping`` -> ``{"msg": "PONG"}``."""
    return {"msg": "PONG"}
