"""Secret hygiene: no password, API secret, session token, pending 2FA token or 2FA code anywhere."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from client_fakes import API_SECRET, CODE, PASSWORD, PENDING, TOKEN, URL, FakeGateway, json_response

from apex_notebook.client import Client
from apex_notebook.wire.errors import ApexError

SECRETS = (PASSWORD, API_SECRET, TOKEN, PENDING, CODE)
MakeClient = Callable[..., Any]


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"secret {secret!r} leaked"


def error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(getattr(exc, "payload", ""))


def test_reprs_frames_attrs_and_logs_are_clean(gateway: FakeGateway,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    gateway.require_2fa = True
    client = Client(URL, username="ops", password=PASSWORD, two_factor=CODE, transport=gateway.transport(),
                    progress=False, backoff=0.0)
    gateway.token = "renewed-" + TOKEN  # forces a re-login (and its logs)
    frame = client.open_orders()
    history = client.order_history(9)
    texts = [repr(client), str(client), repr(vars(client)), repr(client._auth), repr(client._creds),
             frame.to_csv(), repr(frame.attrs), history.to_csv(), repr(history.attrs),
             repr(client.accounts().attrs), caplog.text]
    client.close()
    texts.append(repr(client))
    for text in texts:
        assert_clean(text)
    assert "logged in" not in repr(client)


def test_login_failures_are_clean(gateway: FakeGateway) -> None:
    gateway.require_2fa = True
    for kwargs in ({"password": "wrong-" + PASSWORD}, {"password": PASSWORD, "two_factor": "1" + CODE},
                   {"password": PASSWORD}):
        with pytest.raises(ApexError) as info:
            Client(URL, username="ops", transport=gateway.transport(), **kwargs)
        assert_clean(error_text(info.value).replace("wrong-" + PASSWORD, "").replace("1" + CODE, ""))
    gateway.script["Authenticate"].append(lambda r, p: json_response({"result": False, "errormsg": "x",
                                                                      "errorcode": 20}, 401))
    with pytest.raises(ApexError) as info:
        Client(URL, api_key="k", api_secret=API_SECRET, user_id=1, transport=gateway.transport())
    assert_clean(error_text(info.value))


def test_call_errors_mask_secret_payload_keys(gateway: FakeGateway, make_client: MakeClient,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client()
    gateway.script["SomeCall"].append(lambda r, p: json_response({"result": False, "errormsg": "bad",
                                                                  "errorcode": 100}))
    with pytest.raises(ApexError) as info:
        client.call("SomeCall", Password=PASSWORD, SessionToken=TOKEN, Code=CODE)
    assert info.value.payload["Password"] == "***"
    assert_clean(error_text(info.value))

    def boom(request: httpx.Request, payload: dict[str, Any]) -> httpx.Response:
        raise httpx.ReadTimeout(f"timed out {request.url}", request=request)

    gateway.script["CancelAllOrders"].append(boom)
    with pytest.raises(ApexError) as info:
        client.call("CancelAllOrders", AccountId=9)
    assert_clean(error_text(info.value))
    assert_clean(caplog.text)
