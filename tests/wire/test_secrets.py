"""Secret hygiene: no password, API secret, session token, pending 2FA token or 2FA code anywhere."""

from __future__ import annotations

import dataclasses
import logging
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from client_fakes import API_SECRET, CODE, PASSWORD, PENDING, TOKEN, URL, FakeGateway, json_response

from apex_notebook.client import Client
from apex_notebook.wire.errors import ApexError, mask_secrets
from apex_notebook.wire.session import Credentials
from apex_notebook.wire.settings import Settings

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

    gateway.script["CancelOrder"].append(boom)
    with pytest.raises(ApexError) as info:
        client.call("CancelOrder", AccountId=9, OrderId=900, Password=PASSWORD)
    assert gateway.count("CancelOrder") == 1
    assert_clean(error_text(info.value))
    assert_clean(caplog.text)


# -- user-info in a base URL, in any form ---------------------------------------------------------
USER = "opsuser"
REFUSED_URLS = [
    f"{USER}:{PASSWORD}@apex.example.com:8443",  # no scheme: urlsplit reads the user name as one
    f"{USER}:{PASSWORD}@apex.example.com",
    f"https://{USER}:{PASSWORD}@",                # no host
    f"//{USER}:{PASSWORD}@gw.test",               # no scheme
    f"https://{USER}:{PASSWORD}@gw.test:port",     # a bad port
    f"https://{USER}:{PASSWORD}@gw.test:99999",
    f"https://{USER}:pa/{PASSWORD}@gw.test",       # "/" in the password: ambiguous
    f"https://{USER}:pa?{PASSWORD}@gw.test",       # "?" in the password
    f"https://{USER}:pa#{PASSWORD}@gw.test",       # "#" in the password
    f"https://{USER}:{PASSWORD}:x:y@[::1",         # a broken IPv6 host
    f"ftp://{USER}:{PASSWORD}@gw.test",
    f"{USER}@{PASSWORD}@gw.test",
]
ACCEPTED_URLS = [
    f"https://{USER}:{PASSWORD}@gw.test",
    f"http://{USER}:{PASSWORD}%40x@gw.test/AP/",  # an encoded "@" in the password
    f"http://{USER}:{PASSWORD}@x@gw.test",        # a raw "@" in the password
    f"  https://{USER}:{PASSWORD}@gw.test:8443/AP?aptoken={TOKEN}#frag  ",
]


def assert_no_userinfo(text: str) -> None:
    assert PASSWORD not in text and f"{USER}:" not in text and f"{USER}@" not in text, text


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_a_bad_base_url_never_quotes_its_user_info(gateway: FakeGateway, url: str,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ValueError, match=r"base_url must be an http\(s\) URL like https://") as info:
        Client(url, username="ops", password="other", transport=gateway.transport())
    text = error_text(info.value)
    assert "user-info removed" in text and "username= and password=" in text
    assert_no_userinfo(text)
    assert_no_userinfo(caplog.text)
    assert gateway.calls == []


@pytest.mark.parametrize("url", ACCEPTED_URLS)
def test_user_info_is_dropped_from_a_good_base_url(gateway: FakeGateway, url: str,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = Client(url, username="ops", password=PASSWORD, transport=gateway.transport())
    assert client.base_url in ("https://gw.test", "http://gw.test", "https://gw.test:8443")
    texts = [repr(client), str(client), client.base_url, repr(vars(client)), caplog.text]
    client.close()
    for text in texts:
        assert_no_userinfo(text)
        assert TOKEN not in text


def test_settings_never_keep_or_show_user_info() -> None:
    env = {"APEX_URL": f"{USER}:{PASSWORD}@apex.example.com", "APEX_USERNAME": "ops", "APEX_PASSWORD": "pw"}
    settings = Settings.from_env(env)
    for text in (repr(settings), str(settings), settings.base_url, repr(dataclasses.asdict(settings))):
        assert_no_userinfo(text)
    assert settings.base_url == "apex.example.com"
    with pytest.raises(ValueError, match="no http:// or https:// scheme") as info:
        Client.from_env(settings)
    assert_no_userinfo(error_text(info.value))
    direct = Settings(base_url=f"https://{USER}:{PASSWORD}@gw.test:8443/AP")
    assert direct.base_url == "https://gw.test:8443/AP" and "gw.test:8443" in repr(direct)
    assert_no_userinfo(repr(direct))


# -- secrets nested in payloads ---------------------------------------------------------------------
def echo_everything(request: httpx.Request, payload: dict[str, Any]) -> httpx.Response:
    """A gateway that quotes the whole request back in its error."""
    return json_response({"result": False, "errormsg": f"bad request {payload}", "errorcode": 100,
                          "detail": request.content.decode()}, 400)


def test_nested_secrets_are_masked_at_every_depth(gateway: FakeGateway, make_client: MakeClient,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client()
    gateway.script["SomeCall"].append(echo_everything)
    nested = {"UserInfo": {"Password": PASSWORD, "Name": "ops",
                           "Keys": [{"ApiSecret": API_SECRET}, {"two_fa_code": CODE}]},
              "Batch": [[{"SessionToken": TOKEN}]], "Token": {"aptoken": [PENDING]}}
    with pytest.raises(ApexError) as info:
        client.call("SomeCall", **nested)
    err = info.value
    assert err.payload["UserInfo"]["Password"] == "***" and err.payload["UserInfo"]["Name"] == "ops"
    assert err.payload["UserInfo"]["Keys"] == [{"ApiSecret": "***"}, {"two_fa_code": "***"}]
    assert err.payload["Batch"] == [[{"SessionToken": "***"}]] and err.payload["Token"] == "***"
    assert "bad request" in str(err) and "***" in (err.errormsg or "")
    for text in (error_text(err), str(err.errormsg), str(err.detail), repr(err.payload), caplog.text,
                 *(record.getMessage() for record in caplog.records)):
        assert_clean(text)


def test_mask_secrets_reaches_every_depth() -> None:
    payload = {"a": [{"b": {"Password": "x", "c": ({"api_secret": "y"},)}}], "OrderId": 5, "Code": 1}
    assert mask_secrets(payload) == {"a": [{"b": {"Password": "***", "c": [{"api_secret": "***"}]}}],
                                     "OrderId": 5, "Code": "***"}
    assert payload["a"][0]["b"]["Password"] == "x"  # a copy: the caller's payload is untouched


def test_error_reprs_are_clean() -> None:
    err = ApexError(f"SomeCall failed: echoed {PASSWORD}", call="SomeCall", errormsg=f"x {TOKEN}",
                    detail=f"y {CODE}", payload={"UserInfo": {"Password": PASSWORD, "Code": CODE},
                                                  "SessionToken": TOKEN})
    assert_clean(repr(err) + str(err) + str(err.errormsg) + str(err.detail) + repr(err.payload))
    creds = Credentials(username="ops", password=PASSWORD, two_factor=CODE)
    assert_clean(repr(creds) + str(creds))
    keyed = Credentials(api_key="k", api_secret=API_SECRET, user_id=1)
    assert_clean(repr(keyed) + str(keyed))
