"""Login flows (Basic, API-key HMAC, 2FA completion) and :class:`ApexAuth`, the session holder.

Flows of ``apex-api.md`` §1.2.1:

* Basic: ``GET /AP/Authenticate?grant_type=client_credentials`` with ``Authorization: Basic``.
* API key: ``GET /AP/Authenticate`` with headers ``Nonce``, ``APIKey``, ``UserId`` and
  ``Signature = hex(HMAC-SHA256(secret, Nonce + UserId + APIKey))``.
* 2FA: a reply with ``Requires2FA`` and ``Pending2FaToken`` is completed by
  ``POST /AP/Authenticate2FA`` (header ``Pending2FaToken``, body ``{"Code": ...}``).

:class:`ApexAuth` (an ``httpx.Auth``) sets the ``aptoken`` header on every request and, when the
gateway answers HTTP 401 (session expired or logged out), logs in again **once** and re-sends the
request. A 401 means the request was not processed, so this is safe for writes too.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from apex_notebook.wire.errors import ApexError, AuthenticationError, NotAuthorizedError, NotFoundError
from apex_notebook.wire.rpc import Rpc

__all__ = ["ApexAuth", "Credentials", "LoginResult", "login", "signature"]

log = logging.getLogger("apex_notebook.wire.session")

TwoFactor = str | Callable[[], str] | None
_nonce_lock = threading.Lock()
_nonce_state = {"last": 0}


def signature(api_secret: str, nonce: str, user_id: str, api_key: str) -> str:
    """``lowercase_hex(HMAC_SHA256(key=api_secret, msg=nonce + user_id + api_key))``."""
    return hmac.new(api_secret.encode(), (nonce + user_id + api_key).encode(), hashlib.sha256).hexdigest()


def _nonce() -> str:
    with _nonce_lock:
        value = max(time.time_ns() // 1_000_000, _nonce_state["last"] + 1)
        _nonce_state["last"] = value
    return str(value)


class Credentials:
    """Who logs in. Secrets are kept in private attributes and never shown by ``repr``."""

    __slots__ = ("_api_secret", "_password", "_two_factor", "api_key", "user_id", "username")

    def __init__(self, *, username: str | None = None, password: str | None = None,
                 api_key: str | None = None, api_secret: str | None = None,
                 user_id: int | None = None, two_factor: TwoFactor = None) -> None:
        self.username = username
        self._password = password
        self.api_key = api_key
        self._api_secret = api_secret
        self.user_id = user_id
        self._two_factor = two_factor
        if not self.uses_api_key and not (username and password):
            raise AuthenticationError(
                "no usable credentials: pass username= and password=, or api_key=, api_secret= and "
                "user_id= (or use Client.from_env() with the APEX_* variables)")

    @property
    def uses_api_key(self) -> bool:
        """True when the API-key (HMAC) flow is used."""
        return bool(self.api_key and self._api_secret and self.user_id is not None)

    def __repr__(self) -> str:
        who = (f"api_key={self.api_key!r}, user_id={self.user_id}" if self.uses_api_key
               else f"username={self.username!r}")
        return f"Credentials({who}, secret=***)"

    def login_request(self) -> tuple[dict[str, str], dict[str, str], httpx.Auth | None]:
        """(query params, headers, auth) for ``Authenticate``."""
        if self.uses_api_key:
            assert self.api_key is not None and self._api_secret is not None
            nonce, uid = _nonce(), str(self.user_id)
            headers = {"Nonce": nonce, "APIKey": self.api_key, "UserId": uid,
                       "Signature": signature(self._api_secret, nonce, uid, self.api_key)}
            return {}, headers, None
        assert self.username is not None and self._password is not None
        return {"grant_type": "client_credentials"}, {}, httpx.BasicAuth(self.username, self._password)

    def two_factor_code(self) -> str | None:
        """The 2FA code (calling the callable if one was given)."""
        code = self._two_factor() if callable(self._two_factor) else self._two_factor
        return None if code is None else str(code).strip()


@dataclass(frozen=True)
class LoginResult:
    """A successful login: the session token (never shown) and the user id if the gateway said it."""

    token: str = field(repr=False)
    user_id: int | None


def login(rpc: Rpc, creds: Credentials) -> LoginResult:
    """Run the login flow for ``creds``; raise :class:`AuthenticationError` if it fails."""
    params, headers, auth = creds.login_request()
    flow = "API-key" if creds.uses_api_key else "Basic"
    data = _auth_call(rpc, "Authenticate", flow, method="GET", params=params, headers=headers, auth=auth)
    if _get(data, "Requires2FA") is True and not _get(data, "SessionToken"):
        pending = _get(data, "Pending2FaToken") or _get(data, "TwoFAToken")
        if not pending:
            raise AuthenticationError("Authenticate asked for 2FA but sent no Pending2FaToken; the "
                                      "gateway's reply is not the documented one.", call="Authenticate")
        code = creds.two_factor_code()
        if not code:
            raise AuthenticationError(
                "this user requires two-factor authentication: pass two_factor='<code>' or "
                "two_factor=<callable returning the code> (e.g. lambda: getpass('2FA code: '))",
                call="Authenticate")
        data = _auth_call(rpc, "Authenticate2FA", "2FA", method="POST", payload={"Code": code},
                          headers={"Pending2FaToken": str(pending)}, auth=None)
    token = _get(data, "SessionToken")
    if not token:
        raise AuthenticationError("the gateway reported a successful login but sent no SessionToken; "
                                  "cannot continue.", call="Authenticate")
    user = _get(data, "User")
    uid = _get(data, "UserId") or (_get(user, "UserId") if isinstance(user, dict) else None)
    log.info("logged in (%s flow)", flow)
    return LoginResult(token=str(token), user_id=int(uid) if uid is not None else None)


def _auth_call(rpc: Rpc, name: str, flow: str, *, method: str, params: dict[str, str] | None = None,
               headers: dict[str, str] | None = None, auth: httpx.Auth | None,
               payload: dict[str, Any] | None = None) -> dict[str, Any]:
    try:
        data = rpc.call(name, payload, method=method, params=params, headers=headers, auth=auth, expect=dict)
    except (NotAuthorizedError, NotFoundError) as exc:  # 401, or 404 on some gateways
        status = "HTTP 404" if isinstance(exc, NotFoundError) else "HTTP 401"
        said = f"APEX said {exc.errormsg!r}, {status}" if exc.errormsg else status
        check = "the credentials" + (" and the 2FA code" if name == "Authenticate2FA" else "")
        if isinstance(exc, NotFoundError) and not exc.errormsg:  # a bare 404: probably no gateway there
            check = (f"the base URL (the gateway's host root; calls go to {rpc.base_url}/AP/<Name>), "
                     f"then {check}")
        raise AuthenticationError(f"{flow} login refused by the gateway ({name}: {said}). Check {check}.",
                                  call=name, errorcode=exc.errorcode, errormsg=exc.errormsg,
                                  detail=exc.detail) from exc
    assert isinstance(data, dict)
    if _get(data, "Authenticated") is not True:
        said = _get(data, "errormsg") or "Authenticated: false"
        locked = " The user is locked." if _get(data, "Locked") else ""
        raise AuthenticationError(
            f"{flow} login failed ({name}): APEX said {said!r}.{locked} Check the credentials"
            + (" and the 2FA code." if name == "Authenticate2FA" else "."), call=name, errormsg=str(said))
    return data


def _get(data: Any, key: str) -> Any:
    """``data[key]`` with the key matched case-insensitively (gateways differ in key case)."""
    if not isinstance(data, dict):
        return None
    if key in data:
        return data[key]
    low = key.lower()
    return next((v for k, v in data.items() if str(k).lower() == low), None)


class ApexAuth(httpx.Auth):
    """Holds the session token, sets ``aptoken``, and re-logs in once on an HTTP 401."""

    requires_response_body = True

    def __init__(self, relogin: Callable[[], str]) -> None:
        self._token: str | None = None
        self._generation = 0
        self._lock = threading.Lock()
        self._relogin = relogin
        self.relogins = 0

    @property
    def logged_in(self) -> bool:
        """True while a session token is held."""
        return self._token is not None

    def set_token(self, token: str | None) -> None:
        """Replace (or with ``None`` forget) the session token."""
        with self._lock:
            self._token = token
            self._generation += 1

    def __repr__(self) -> str:
        return f"ApexAuth(logged_in={self.logged_in})"

    def without_renewal(self) -> httpx.Auth:
        """An auth that sends the current token but never logs in again (for LogOut)."""
        return _TokenOnly(self._token)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the session token; on an expired session log in once and re-send."""
        with self._lock:
            token, generation = self._token, self._generation
        if token is not None:
            request.headers["aptoken"] = token
        response = yield request
        if token is None or not session_expired(response):
            return
        self._renew(generation)
        with self._lock:
            token = self._token
        if token is None:
            return
        request.headers["aptoken"] = token
        yield request

    def _renew(self, generation: int) -> None:
        with self._lock:
            if self._generation != generation:  # another thread already logged in again
                return
            log.warning("session expired or ended (HTTP 401); logging in again once")
            try:
                token = self._relogin()
            except ApexError:
                self._token = None
                self._generation += 1
                raise
            self._token = token
            self._generation += 1
            self.relogins += 1


class _TokenOnly(httpx.Auth):
    def __init__(self, token: str | None) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "_TokenOnly(***)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._token is not None:
            request.headers["aptoken"] = self._token
        yield request


def session_expired(response: httpx.Response) -> bool:
    """True for an "unauthenticated" reply: HTTP 401, or HTTP 404 carrying errorcode 20."""
    if response.status_code == 401:
        return True
    if response.status_code == 404 and len(response.content) < 4096:
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            return False
        return isinstance(data, dict) and data.get("errorcode") == 20
    return False
