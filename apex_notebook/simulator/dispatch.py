"""Transport-neutral dispatch: ``(credentials, call name, payload) -> Outcome``.

Both gateways (HTTP and WebSocket) funnel every call through
:meth:`Dispatcher.handle`, which, under the engine lock: applies due scheduled events,
identifies the caller, records the call in ``sim.requests``, consults the faults, checks the
session, runs the handler and turns exceptions into standard error replies. Nothing here knows
about HTTP; the gateway maps :class:`Outcome` kinds to statuses or frames.

Unknown call names get errorcode **106** ("Operation Not Supported"), not 104: clients read
104 ("Resource Not Found") as "no such order/account" (ccxt maps it to OrderNotFound), while
an unknown function name is an operation this OMS does not support. Names match
case-insensitively; the reply and the log use the canonical spelling.

A handler that raises an unexpected exception yields errorcode 102 ("Server Error") with the
exception type in ``detail``; the simulator keeps serving. Handlers validate before they
mutate, so a refused call never changes state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal

from . import (
    calls_ancillary,
    calls_auth,
    calls_cancel_all,
    calls_history,
    calls_info,
    calls_manage,
    calls_market,
    calls_orders,
    calls_positions,
    calls_trades,
)
from .catalog import User
from .context import CallContext, Credentials
from .engine import Engine
from .params import Params, ascii_int
from .recording import RecordedCall, mask_payload
from .replies import ApiError, LoginError, standard_error
from .sessions import verify_signature

__all__ = ["CALLS", "CallObserver", "CallSpec", "Dispatcher", "Outcome", "OutcomeKind"]

Handler = Callable[[Engine, CallContext, Params], Any]
#: ok/error/unauthenticated carry a JSON body; the others are transport-level faults.
OutcomeKind = Literal["ok", "error", "unauthenticated", "rate_limited", "status", "malformed"]
#: ``(canonical name, payload, context, kind, body)`` of a call that ran; must not raise.
CallObserver = Callable[[str, Mapping[str, Any], CallContext, OutcomeKind, Any], None]


@dataclass(frozen=True)
class CallSpec:
    """One APEX call: canonical name, handler, and whether it needs no session."""

    name: str
    handler: Handler
    public: bool = False


def _spec(name: str, handler: Handler, public: bool = False) -> tuple[str, CallSpec]:
    return name.lower(), CallSpec(name, handler, public)


#: Every supported call, keyed by lower-case name.
CALLS: dict[str, CallSpec] = dict([
    _spec("Authenticate", calls_auth.authenticate, public=True),
    _spec("AuthenticateUser", calls_auth.authenticate_user, public=True),
    _spec("Authenticate2FA", calls_auth.authenticate_2fa, public=True),
    _spec("LogOut", calls_auth.log_out, public=True),
    _spec("Ping", calls_auth.ping, public=True),
    _spec("GetProducts", calls_info.get_products, public=True),
    _spec("GetProduct", calls_info.get_product, public=True),
    _spec("GetInstruments", calls_info.get_instruments, public=True),
    _spec("GetInstrument", calls_info.get_instrument, public=True),
    _spec("GetLevel1", calls_market.get_level1, public=True),
    _spec("GetLevel1Summary", calls_market.get_level1_summary, public=True),
    _spec("GetL2Snapshot", calls_market.get_l2_snapshot, public=True),
    _spec("GetLastTrades", calls_market.get_last_trades, public=True),
    _spec("GetTickerHistory", calls_market.get_ticker_history, public=True),
    _spec("summary", calls_market.get_summary, public=True),
    _spec("GetUserInfo", calls_info.get_user_info),
    _spec("GetUserAccounts", calls_info.get_user_accounts),
    _spec("GetUserAccountInfos", calls_info.get_user_account_infos),
    _spec("GetAccountInfo", calls_info.get_account_info),
    _spec("GetUserPermissions", calls_info.get_user_permissions),
    _spec("GetAccountPositions", calls_positions.get_account_positions),
    _spec("GetAllAccountPositions", calls_positions.get_all_account_positions),
    _spec("GetOpenOrders", calls_orders.get_open_orders),
    _spec("GetOrderStatus", calls_orders.get_order_status),
    _spec("GetOrdersHistory", calls_history.get_orders_history),
    _spec("SendOrder", calls_orders.send_order),
    _spec("CancelOrder", calls_orders.cancel_order),
    _spec("CancelAllOrders", calls_cancel_all.cancel_all_orders),
    _spec("GetOrders", calls_history.get_orders),
    _spec("GetOrderHistory", calls_history.get_order_history),
    _spec("CancelReplaceOrder", calls_manage.cancel_replace_order),
    _spec("ModifyOrder", calls_manage.modify_order),
    _spec("GetTradesHistory", calls_trades.get_trades_history),
    _spec("GetAccountTrades", calls_trades.get_account_trades),
    _spec("GetOrderHistoryByOrderId", calls_trades.get_order_history_by_order_id),
    _spec("GetAccountTransactions", calls_ancillary.get_account_transactions),
    _spec("GetOrderFee", calls_ancillary.get_order_fee),
    *[_spec(name, calls_ancillary.empty_list_call(name))
      for name in ("GetDeposits", "GetWithdraws", "GetOpenTradeReports", "GetOpenQuotes")],
])


@dataclass(frozen=True)
class Outcome:
    """The result of one call, before any transport encodes it.

    ``delay`` is how long the transport must wait before replying (latency, plus the hang
    time when ``hang`` is set); ``status`` is the injected HTTP status of a ``"status"`` fault;
    ``unknown_call`` marks the 106 reply to a name this OMS does not serve (the gateways shape
    it per ``SimConfig.unknown_call``).
    """

    kind: OutcomeKind
    body: Any = None
    status: int | None = None
    delay: float = 0.0
    hang: bool = False
    unknown_call: bool = False

    @property
    def status_line(self) -> str:
        """The injected HTTP status as ``"503 Service Unavailable"`` (500 when none was given)."""
        status = self.status or 500
        try:
            return f"{status} {HTTPStatus(status).phrase}"
        except ValueError:
            return f"{status} Error"


class Dispatcher:
    """Runs calls against one engine; safe to call from many threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: Called under the engine lock after every call that reached its handler (events use it).
        self.observers: list[CallObserver] = []

    def canonical_name(self, name: str) -> str:
        """The documented spelling of a known call name, else ``name`` unchanged."""
        spec = CALLS.get(name.lower())
        return spec.name if spec is not None else name

    def handle(self, name: str, payload: Mapping[str, Any], credentials: Credentials,
               rejection: ApiError | None = None, extra_calls: Mapping[str, CallSpec] | None = None) -> Outcome:
        """Run one call. ``rejection`` is a decoding error found by the gateway (bad body);
        ``extra_calls`` are calls only this gateway serves (the WebSocket subscriptions)."""
        engine = self.engine
        with engine.lock:
            engine.apply_due()
            now = engine.now()
            spec = CALLS.get(name.lower()) or (extra_calls or {}).get(name.lower())
            canonical = spec.name if spec is not None else name
            user, problem = self._identify(credentials, now)
            engine.record(RecordedCall(canonical, mask_payload(payload), user.name if user else None, now))
            decision = engine.faults.decide(canonical)
            delay = engine.config.latency + decision.latency
            if decision.rate_limited:
                return Outcome("rate_limited", delay=delay)
            if decision.http_status is not None:
                return Outcome("status", status=decision.http_status, delay=delay)
            if decision.errorcode is not None:
                return Outcome("error", standard_error(decision.errorcode, "injected fault"), delay=delay)
            context = CallContext(user, credentials)
            kind, body = self._run(spec, name, payload, context, problem=problem, rejection=rejection)
            for observer in self.observers:
                observer(canonical, payload, context, kind, body)
            if decision.malformed:
                kind = "malformed"
            unknown = spec is None and rejection is None and kind == "error"
            if decision.hang:
                return Outcome(kind, body, delay=delay + decision.hang, hang=True, unknown_call=unknown)
            return Outcome(kind, body, delay=delay, unknown_call=unknown)

    def _identify(self, credentials: Credentials, now: float) -> tuple[User | None, str]:
        engine = self.engine
        if credentials.session_token:
            user_id = engine.sessions.resolve(credentials.session_token, now, engine.config.session_ttl)
            if user_id is not None:
                return engine.catalog.users[user_id], ""
            if credentials.hmac is None:
                return None, "Session expired or invalid: log in again"
        quartet = credentials.hmac
        if quartet is not None:
            number = ascii_int(quartet.user_id)
            user = engine.catalog.users.get(number) if number is not None else None
            if user is not None and verify_signature(user, quartet.nonce, quartet.user_id,
                                                     quartet.api_key, quartet.signature):
                return user, ""
            return None, "Invalid API key or signature"
        return None, credentials.problem or "Not logged in: authenticate first and send the aptoken header"

    def _run(self, spec: CallSpec | None, name: str, payload: Mapping[str, Any], context: CallContext, *,
             problem: str, rejection: ApiError | None) -> tuple[OutcomeKind, Any]:
        try:
            if rejection is not None:
                raise rejection
            if spec is None:
                code = 100 if self.engine.config.unknown_call == "error100" else 106
                raise ApiError(code, f"Unknown call {name[:80]!r}: this OMS does not support it")
            if not spec.public and context.user is None:
                raise ApiError(20, problem, unauthenticated=True)
            return "ok", spec.handler(self.engine, context, Params(payload))
        except ApiError as error:
            return ("unauthenticated" if error.unauthenticated else "error"), error.body()
        except LoginError as failure:
            return "unauthenticated", failure.body()
        except Exception as error:  # never crash the gateway on a handler bug
            return "error", standard_error(102, f"{type(error).__name__} in {spec.name if spec else name}")
