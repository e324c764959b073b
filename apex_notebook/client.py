"""``Client``: the front door to one APEX gateway (login, raw calls, typed snapshots, cancel flow).

::

    apex = Client("https://apex.example.com:8443", username="ops", password=getpass())
    apex.open_orders()                      # typed frame of every visible account's open orders
    plan = apex.preview(CancelScope(account_id=9, instrument_id=ALL))
    apex.execute(plan, reason="runaway algo", confirm=plan.confirmation_phrase)

The client logs in when constructed (Basic, API-key HMAC or 2FA; ``session.py``), keeps the session
token inside an ``httpx.Auth`` (never in a repr), logs in again once if the session expires, and logs
out on :meth:`close` (or at the end of a ``with`` block).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Final

import pandas as pd

from apex_notebook.audit.journal import DEFAULT_PATH, Journal
from apex_notebook.cancel.execute import execute_plan
from apex_notebook.cancel.plan import CancelPlan, make_plan
from apex_notebook.cancel.result import CancelResult, empty_result_frame
from apex_notebook.cancel.scope import ALL, cancel_all_payload
from apex_notebook.frames import snapshots
from apex_notebook.wire.accounts import account_ids
from apex_notebook.wire.errors import ApexError, BadResponseError, ScopeError
from apex_notebook.wire.ids import _AllType
from apex_notebook.wire.rpc import Rpc, Transport, is_read, open_http
from apex_notebook.wire.session import ApexAuth, Credentials, login
from apex_notebook.wire.settings import Settings
from apex_notebook.wire.urls import base_url_root

__all__ = ["Client", "normalize_base_url"]

log = logging.getLogger("apex_notebook.client")


def normalize_base_url(url: str) -> str:
    """The host root: strips a trailing ``/``, a trailing ``/AP`` and any ``user:password@``.

    A value that is not an http(s) URL raises ``ValueError`` saying what is wrong; it quotes the
    value with its user-info removed, so a password written into the URL never shows.
    """
    return base_url_root(url)


class _Missing(Enum):
    MISSING = "missing"


#: Default of ``Client.execute``'s ``reason`` and ``confirm``: "not given".
_MISSING: Final = _Missing.MISSING


def _require_reason_and_confirm(reason: object, confirm: object) -> None:
    """``TypeError`` naming ``Client.execute`` when ``reason`` or ``confirm`` was not given."""
    missing = [text for value, text in ((reason, "reason=... (why, for the journal)"),
                                        (confirm, "confirm=plan.confirmation_phrase"))
               if value is _MISSING]
    if missing:
        raise TypeError(f"Client.execute() needs {' and '.join(missing)}; nothing was sent. "
                        "e.g. apex.execute(plan, reason='runaway algo', confirm=plan.confirmation_phrase)")


class Client:
    """One logged-in session on an APEX gateway. See ``docs/ARCHITECTURE.md`` "Client contract".

    ``max_concurrency`` (default 16) bounds the requests a snapshot keeps in flight; a gateway that
    answers within a few milliseconds gets fewer (``quickest_reply``; more threads would only compete
    for the interpreter lock). It is not a rate limit: for a gateway that limits requests per second,
    pass ``max_rate``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        user_id: int | None = None,
        two_factor: str | Callable[[], str] | None = None,
        oms_id: int = 1,
        transport: Transport | None = None,
        timeout: float = 10.0,
        max_concurrency: int = 16,
        max_rate: float | None = None,
        journal: Journal | None = None,
        progress: bool = True,
        max_retries: int = 3,
        backoff: float = 0.25,
    ) -> None:
        if isinstance(oms_id, bool) or not isinstance(oms_id, int) or oms_id <= 0:
            raise ScopeError(f"oms_id must be a positive integer, not {oms_id!r}")
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, not {max_concurrency}")
        self.base_url = normalize_base_url(base_url)
        self.oms_id = oms_id
        self.max_concurrency = max_concurrency
        self.progress = progress
        self.journal = journal
        self.user_id: int = -1
        self.username: str = username or ""
        self.permissions: frozenset[str] = frozenset()
        #: True when the user has the Operator permission (may act on any account).
        self.is_operator = False
        #: Every executed CancelResult's per-order rows of this session (typed, empty at first).
        self.results: pd.DataFrame = empty_result_frame()
        self._creds = Credentials(username=username, password=password, api_key=api_key,
                                  api_secret=api_secret, user_id=user_id, two_factor=two_factor)
        self._auth = ApexAuth(self._login_token)
        self._http = open_http(transport, timeout=timeout, max_concurrency=max_concurrency, auth=self._auth)
        self._rpc = Rpc(self._http, self.base_url, max_retries=max_retries, backoff=backoff,
                        max_rate=max_rate)
        try:
            self._auth.set_token(self._login_token())
            self._load_user()
        except BaseException:
            self._auth.set_token(None)
            self._http.close()
            raise

    @classmethod
    def from_env(cls, settings: Settings | None = None, **kwargs: Any) -> Client:
        """A client from the ``APEX_*`` variables (see :mod:`apex_notebook.wire.settings`); keyword arguments win."""
        s = settings or Settings.from_env()
        options: dict[str, Any] = {"username": s.username, "password": s.password, "api_key": s.api_key,
                                   "api_secret": s.api_secret, "user_id": s.user_id, "oms_id": s.oms_id,
                                   "two_factor": s.two_factor_code}
        options.update(kwargs)  # explicit arguments win over the environment
        return cls(s.base_url, **options)

    # -- session ---------------------------------------------------------------------------------
    def _login_token(self) -> str:
        result = login(self._rpc, self._creds)
        if result.user_id is not None:
            self.user_id = result.user_id
        return result.token

    def _load_user(self) -> None:
        query: dict[str, Any] = {"OMSId": self.oms_id}
        if self.user_id >= 0:
            query["UserId"] = self.user_id
        info = self._rpc.call("GetUserInfo", query, expect=dict)
        try:
            self.user_id = int(info["UserId"])
            self.username = str(info.get("UserName") or self.username)
        except (KeyError, TypeError, ValueError) as exc:
            raise BadResponseError("GetUserInfo: the reply has no usable UserId", call="GetUserInfo") from exc
        perms = self._rpc.call("GetUserPermissions", {"OMSId": self.oms_id, "UserId": self.user_id},
                               expect=list)
        self.permissions = frozenset(str(p) for p in perms)
        self.is_operator = any(p.lower() in ("operator", "superuser") for p in self.permissions)

    @property
    def logged_in(self) -> bool:
        """True while the client holds a session."""
        return self._auth.logged_in

    def close(self) -> None:
        """Log out (best effort) and close the connection pool. Idempotent."""
        if self._auth.logged_in:
            try:
                self._rpc.call("LogOut", {}, auth=self._auth.without_renewal())
            except ApexError as exc:
                log.info("LogOut failed (%s); the session will expire on its own", type(exc).__name__)
            self._auth.set_token(None)
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "logged in" if self.logged_in else "logged out"
        return (f"<apex_notebook.Client {self.base_url} OMS {self.oms_id} user {self.username!r} "
                f"(UserId {self.user_id}) {state}>")

    # -- raw ---------------------------------------------------------------------------------------
    def call(self, name: str, **payload: Any) -> Any:
        """Send one APEX call and return its decoded JSON; ``result: false`` raises.

        ``OMSId`` is added when missing. Refused before any request (``ScopeError``, see
        ``wire/request_guard.py``): ``CancelAllOrders`` under any spelling (use :meth:`preview` and
        :meth:`execute`), keys with white space around them or non-ASCII characters, and two keys
        that differ only in case. A closed client raises ``ClientClosedError``.
        """
        if not any(k.lower() == "omsid" for k in payload):
            payload = {"OMSId": self.oms_id, **payload}
        return self._rpc.call(name, payload)

    # -- snapshots ---------------------------------------------------------------------------------
    def accounts(self) -> pd.DataFrame:
        """account_id, account_name and permission (the user's role) of every visible account."""
        return snapshots.accounts(self)

    def account_ids(self) -> list[int]:
        """Ids of every account the user can see (an Operator: every account of the OMS), sorted.

        Cheaper than :meth:`accounts` (no GetAccountInfo per account).
        """
        return account_ids(self)

    def instruments(self) -> pd.DataFrame:
        """Every instrument: id, symbol, products, session status, increments."""
        return snapshots.instruments(self)

    def instrument_symbols(self) -> dict[int, str]:
        """instrument id -> symbol."""
        frame = self.instruments()
        return {int(i): str(s) for i, s in zip(frame["instrument_id"], frame["symbol"], strict=True)
                if not pd.isna(i) and not pd.isna(s)}

    def open_orders(self, account_id: int | list[int] | _AllType = ALL, instrument_id: int | _AllType = ALL,
                    *, strict: bool = True, raw: bool = False) -> pd.DataFrame:
        """Typed frame (ORDER_SCHEMA) of the open orders of ``account_id`` (ALL, an id or a list).

        ``df.attrs``: oms_id, taken_at, accounts_requested, accounts_failed, source_url,
        instrument_id, extra_fields, price_decimals. Raises PartialSnapshotError if any account failed
        (unless ``strict=False``: then the partial frame is returned with a warning). Not-applicable
        numbers are missing, not 0 (``frames.schema.NOT_APPLICABLE``); ``raw=True`` keeps them as sent.
        Rows are ordered by instrument, then account (as requested; ALL: by id), then as APEX listed
        them: one instrument's orders are one run of rows, so selecting it is a slice, not a copy.
        """
        return snapshots.open_orders(self, account_id, instrument_id, strict=strict, raw=raw)

    def order_history(self, account_id: int, start: Any = None, end: Any = None, *, raw: bool = False
                      ) -> pd.DataFrame:
        """GetOrdersHistory of one account as the typed order frame (newest first; ``raw`` as in open_orders)."""
        return snapshots.order_history(self, account_id, start, end, raw=raw)

    def send_cancel_all(self, plan: CancelPlan) -> Any:
        """Send the ``CancelAllOrders`` of an executing plan: its scope's payload, once (``execute`` calls this).

        Refused (``AlreadyExecutedError``, nothing sent) unless ``execute`` has journalled the plan's
        intent and nothing was sent for it yet: there is no other way to send ``CancelAllOrders``.
        """
        plan._take_send()
        return self._rpc.call("CancelAllOrders", cancel_all_payload(plan.scope.to_payload()),
                              _send_cancel_all=True)

    @property
    def quickest_reply(self) -> float:
        """The quickest round trip of this session so far, in seconds (inf before any reply).

        A snapshot keeps fewer than ``max_concurrency`` requests in flight when the gateway answers
        within a few milliseconds (``wire.fetch.workers_for``).
        """
        return self._rpc.quickest_reply

    def read(self, name: str, payload: Mapping[str, Any], *, expect: type | None = None) -> Any:
        """One read-only APEX call (``Get*``, ``Ping``); anything that could change state is refused."""
        if not is_read(name):
            raise ApexError(f"{name!r} is not a read; nothing was sent. Use call() for other calls", call=name)
        return self._rpc.call(name, payload, expect=expect)

    # -- cancel flow (delegations) ---------------------------------------------------------------
    def preview(self, scope: Any) -> CancelPlan:
        """Freeze the orders a CancelAllOrders scope would hit into a CancelPlan."""
        return make_plan(self, scope)

    def execute(self, plan: CancelPlan, *, reason: str | _Missing = _MISSING, confirm: str | _Missing = _MISSING,
                journal: Journal | None = None, **kwargs: Any) -> CancelResult:
        """Execute a plan (reason=, confirm=, ...); see ``apex_notebook.cancel.execute.execute_plan``.

        ``reason`` (why, for the journal) and ``confirm`` (``plan.confirmation_phrase``, typed) are
        required: without them a ``TypeError`` naming ``Client.execute`` is raised and nothing is sent.

        ``journal``: this argument, else the client's ``journal``, else ``Journal("apex-journal.sqlite")``
        in the working directory (which then becomes the client's journal, so ``apex.journal`` always
        names where the record went).
        """
        _require_reason_and_confirm(reason, confirm)
        assert not isinstance(reason, _Missing) and not isinstance(confirm, _Missing)
        if journal is None:
            if self.journal is None:
                self.journal = Journal(DEFAULT_PATH, create=True)
            journal = self.journal
        return execute_plan(self, plan, reason=reason, confirm=confirm, journal=journal, **kwargs)

    def _append_result(self, frame: pd.DataFrame) -> None:
        """Append one CancelResult's orders to :attr:`results` (called by the execute module)."""
        if self.results.empty:
            self.results = frame.copy()
        else:
            self.results = pd.concat([self.results, frame], ignore_index=True)
