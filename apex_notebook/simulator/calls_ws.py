"""Calls served only over the WebSocket gateway: WebAuthenticateUser and the event subscriptions.

* ``WebAuthenticateUser`` (public): ``{"UserName", "Password"}`` (keys any case; the npm
  helper's ``authCode`` completes 2FA in the same call) or ``{"SessionToken"}`` to re-attach a
  session issued elsewhere (e.g. by HTTP ``Authenticate``). Replies
  ``{"Authenticated": true, "SessionToken", "UserId"}``; a 2FA user without ``authCode`` gets
  ``Requires2FA`` and a ``TwoFAToken`` to finish with ``Authenticate2FA``. ``UserId`` is an int,
  or its text with ``SimConfig.web_auth_user_id = "string"``.
* ``SubscribeAccountEvents`` / ``SubscribeOrderStateEvents`` and their ``UnSubscribe`` calls:
  ``{"OMSId", "AccountId"}`` (+ optional ``InstrumentId`` for OrderStateEvents). Open to
  Operator, Trading and AccountReadOnly, on accounts the caller may see (errorcode 20
  otherwise, 104 for an Operator naming a missing account). The handlers only validate: they
  return a :class:`~.subscriptions.SubscriptionChange` that the gateway applies to the
  calling connection (under the engine lock) and answers with ``{"Subscribed": true}``.

* The market-data subscriptions of :mod:`.calls_ws_market` (public).

Over HTTP these names stay unknown (errorcode 106): subscriptions need a connection.
"""

from __future__ import annotations

import hmac
from typing import Any

from .calls_auth import login_user
from .calls_orders import instrument_filter
from .calls_ws_market import MARKET_WS_CALLS
from .context import CallContext
from .dispatch import CallSpec
from .engine import Engine
from .params import Params
from .permissions import ALL_ROLES, account_call
from .replies import LoginError
from .subscriptions import ACCOUNT_EVENTS, ORDER_STATE_EVENTS, Stream, SubscriptionChange

__all__ = ["WS_CALLS", "subscription_handler", "web_authenticate_user"]


def web_authenticate_user(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``WebAuthenticateUser`` by password (+ optional ``authCode``) or by ``SessionToken``."""
    now = engine.now()
    token = params.get("SessionToken")
    if token is not None and params.get("Password") is None:
        if not isinstance(token, str) or not token.strip():
            raise LoginError("SessionToken must be a non-empty string")
        user_id = engine.sessions.resolve(token, now, engine.config.session_ttl)
        if user_id is None:
            raise LoginError("Invalid or expired SessionToken")
        return {"Authenticated": True, "SessionToken": token.strip(), "UserId": _user_id(engine, user_id)}
    user = login_user(engine, ctx, params)
    code = params.text("authCode")
    if user.two_factor_code is not None:
        if code is None:
            pending = engine.sessions.open_pending(user.user_id, now)
            return {"Authenticated": True, "UserId": _user_id(engine, user.user_id), "Requires2FA": True,
                    "AuthType": "Google", "TwoFAType": "Google", "TwoFAToken": pending, "errormsg": None}
        if not hmac.compare_digest(code.strip().encode(), user.two_factor_code.encode()):
            raise LoginError("Invalid 2FA code")
    return {"Authenticated": True, "SessionToken": engine.sessions.open(user.user_id, now),
            "UserId": _user_id(engine, user.user_id)}


def _user_id(engine: Engine, user_id: int) -> int | str:
    """``UserId`` as ``SimConfig.web_auth_user_id`` says (an int, or its decimal text)."""
    return str(user_id) if engine.config.web_auth_user_id == "string" else user_id


def subscription_handler(stream: Stream, subscribe: bool, call: str) -> CallSpec:
    """The spec of one (Un)Subscribe call of ``stream``."""

    def handler(engine: Engine, ctx: CallContext, params: Params) -> SubscriptionChange:
        account_id = account_call(engine, ctx, params, ALL_ROLES, call)
        instrument_id = instrument_filter(engine, params) if stream == ORDER_STATE_EVENTS else None
        return SubscriptionChange(stream, subscribe, account_id, instrument_id or 0)

    handler.__doc__ = f"``{call}``: validate; the gateway applies the change to the connection."
    return CallSpec(call, handler)


#: The WebSocket-only calls, keyed by lower-case name (the gateway adds them to ``CALLS``).
WS_CALLS: dict[str, CallSpec] = {
    spec.name.lower(): spec for spec in (
        CallSpec("WebAuthenticateUser", web_authenticate_user, public=True),
        subscription_handler(ACCOUNT_EVENTS, True, "SubscribeAccountEvents"),
        subscription_handler(ACCOUNT_EVENTS, False, "UnSubscribeAccountEvents"),
        subscription_handler(ORDER_STATE_EVENTS, True, "SubscribeOrderStateEvents"),
        subscription_handler(ORDER_STATE_EVENTS, False, "UnSubscribeOrderStateEvents"),
    )
}
WS_CALLS.update(MARKET_WS_CALLS)
