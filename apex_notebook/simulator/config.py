"""``SimConfig``: the mutable switches of the simulated OMS.

The switches model behaviours that the APEX documentation leaves open (see ``apex-api.md``
§2.6 and §5) plus operational knobs. They are validated on every assignment, so a typo in a
test (``sim.config.instrument_key = "Instrument"``) fails loudly instead of testing nothing.
Changes take effect on the next call.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "HISTORY_ALL_ACCOUNTS_MODES", "HISTORY_TIME_FIELDS", "INSTRUMENT_KEY_MODES", "TRADING_ALL_ACCOUNTS_MODES",
    "UNKNOWN_CALL_MODES", "USER_ID_TYPES", "SimConfig",
]

#: Which CancelAllOrders instrument-key spelling the gateway honours.
INSTRUMENT_KEY_MODES = ("both", "InstrumentId", "IntrumentId", "none")
#: What a Trading user's CancelAllOrders with AccountId 0/omitted does.
TRADING_ALL_ACCOUNTS_MODES = ("refuse", "associated")
#: Which order time GetOrdersHistory's Start/EndTimestamp select on (and sort by).
HISTORY_TIME_FIELDS = ("LastUpdatedTime", "ReceiveTime")
#: What an Operator's GetOrdersHistory with AccountId 0/omitted does.
HISTORY_ALL_ACCOUNTS_MODES = ("operator", "refuse")
#: How a call name the OMS does not serve is answered.
UNKNOWN_CALL_MODES = ("error106", "m1", "error100", "http404")
#: The JSON type of ``UserId`` in the WebAuthenticateUser reply.
USER_ID_TYPES = ("int", "string")
_CHOICES: dict[str, tuple[str, ...]] = {
    "instrument_key": INSTRUMENT_KEY_MODES, "trading_all_accounts": TRADING_ALL_ACCOUNTS_MODES,
    "history_time_field": HISTORY_TIME_FIELDS, "history_all_accounts": HISTORY_ALL_ACCOUNTS_MODES,
    "unknown_call": UNKNOWN_CALL_MODES, "web_auth_user_id": USER_ID_TYPES,
}


def _non_negative(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"SimConfig.{name} must be a finite number, got {value!r}")
    if value < 0:
        raise ValueError(f"SimConfig.{name} must be >= 0, got {value!r}")
    return float(value)


def _account_set(name: str, value: Any) -> frozenset[int]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(f"SimConfig.{name} must be a set of AccountIds, got {value!r}")
    items = frozenset(value)
    if any(isinstance(item, bool) or not isinstance(item, int) or item < 1 for item in items):
        raise ValueError(f"SimConfig.{name} must hold positive int AccountIds, got {sorted(items, key=repr)!r}")
    return items


@dataclass
class SimConfig:
    """Switches of the simulated OMS; every field is validated when set.

    Attributes:
        instrument_key: ``"both"`` (either ``InstrumentId`` or the documented typo ``IntrumentId``
            is honoured), ``"InstrumentId"``, ``"IntrumentId"`` or ``"none"``. An unhonoured key is
            ignored, so the cancel widens to every instrument, as a real gateway might.
        trading_all_accounts: ``"refuse"`` (a Trading user's CancelAllOrders with AccountId 0 or
            omitted gets errorcode 20) or ``"associated"`` (it cancels on the user's accounts).
        cancel_delay: seconds over which the cancels of one CancelAllOrders land (0 = at once).
        fill_race: fraction (0..1) of the targeted orders that fully fill before their cancel.
        latency: seconds added before every reply.
        session_ttl: idle seconds after which a session expires (APEX: one hour).
        unauthenticated_status: HTTP status for missing/expired sessions and failed logins
            (401, or 404 as some gateways answer).
        max_body_bytes: larger request bodies are refused (HTTP 413, errorcode 100).
        oms_id: the one OMS this simulator runs.
        max_recorded_calls: bound of ``sim.requests`` (a long-running server must not grow
            without limit); past it the oldest half of the log is dropped.
        history_time_field: ``"LastUpdatedTime"`` (default: GetOrdersHistory's
            ``StartTimestamp``/``EndTimestamp`` select orders by the time of the state the row
            shows, and rows are sorted newest first by it) or ``"ReceiveTime"`` (a gateway
            that filters and sorts on the order's receive time).
        history_all_accounts: ``"operator"`` (default: an Operator's GetOrdersHistory with
            AccountId 0/omitted returns every account's history) or ``"refuse"`` (errorcode
            100 "AccountId is required" for everyone).
        enumeration_hides: AccountIds left out of ``GetAllAccountPositions`` (as a gateway
            leaves out accounts holding no positions) while they still exist, hold orders and
            are cancelled by an OMS-wide CancelAllOrders. Any iterable of ints; stored as a
            frozenset.
        unknown_call: how a call name the OMS does not serve is answered. ``"error106"``
            (default): the standard error 106 "Operation Not Supported" — HTTP 200, WebSocket
            ``m:5`` (npm alphapoint-apex-api 3.2.19 never settles an ``m:5``). ``"m1"``: the
            same error, but in ``m:1`` over WebSocket. ``"error100"``: errorcode 100 "Invalid
            Request" (HTTP 200, WebSocket ``m:1``) — the one every client tried settles with an
            error (notbank-python knows no 106). ``"http404"``: HTTP 404 with a plain ``Not
            Found`` body (ccxt raises AuthenticationError on any 404); WebSocket as default.
        web_auth_user_id: JSON type of ``UserId`` in the WebAuthenticateUser reply: ``"int"``
            (default, ``"UserId": 1``) or ``"string"`` (``"UserId": "1"``), as some gateways send.
        maker_fee: fee rate (0 to 0.1) the resting side of a match pays, in the quote product.
        taker_fee: fee rate (0 to 0.1) the incoming side pays (and fills against the outside
            market). Both 0 by default; buy orders hold for the larger rate.
    """

    instrument_key: str = "both"
    trading_all_accounts: str = "refuse"
    cancel_delay: float = 0.0
    fill_race: float = 0.0
    latency: float = 0.0
    session_ttl: float = 3600.0
    unauthenticated_status: int = 401
    max_body_bytes: int = 1_048_576
    oms_id: int = 1
    max_recorded_calls: int = 100_000
    history_time_field: str = "LastUpdatedTime"
    history_all_accounts: str = "operator"
    enumeration_hides: frozenset[int] = frozenset()
    unknown_call: str = "error106"
    web_auth_user_id: str = "int"
    maker_fee: float = 0.0
    taker_fee: float = 0.0

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, _validate(name, value))


def _validate(name: str, value: Any) -> Any:
    if name in _CHOICES:
        if not isinstance(value, str) or value not in _CHOICES[name]:
            raise ValueError(f"{name} must be one of {_CHOICES[name]}, got {value!r}")
        return value
    if name == "enumeration_hides":
        return _account_set(name, value)
    if name in ("cancel_delay", "latency", "session_ttl"):
        return _non_negative(name, value)
    if name in ("maker_fee", "taker_fee"):
        rate = _non_negative(name, value)
        if rate > 0.1:
            raise ValueError(f"{name} is a fee rate in [0, 0.1], got {value!r}")
        return rate
    if name == "fill_race":
        fraction = _non_negative(name, value)
        if fraction > 1:
            raise ValueError(f"fill_race is a fraction in [0, 1], got {value!r}")
        return fraction
    if name == "unauthenticated_status":
        if value not in (401, 404):
            raise ValueError(f"unauthenticated_status must be 401 or 404, got {value!r}")
        return value
    if name in ("max_body_bytes", "oms_id", "max_recorded_calls"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
        return value
    raise AttributeError(f"SimConfig has no switch {name!r}")
