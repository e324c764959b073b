"""Login flows, ApexAuth, close/context manager, repr, config and base URL handling (MockTransport)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import pytest
from client_fakes import API_SECRET, CODE, PASSWORD, TOKEN, URL, FakeGateway

from apex_notebook.client import Client, normalize_base_url
from apex_notebook.wire.errors import AuthenticationError, ScopeError
from apex_notebook.wire.session import signature
from apex_notebook.wire.settings import Settings

MakeClient = Callable[..., Any]


def test_basic_login_then_user_info(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client()
    name, payload, headers = gateway.calls[0]
    assert name == "Authenticate" and payload == {"grant_type": "client_credentials"}
    assert headers["Authorization"] == "Basic " + base64.b64encode(f"ops:{PASSWORD}".encode()).decode()
    assert [c[0] for c in gateway.calls[1:3]] == ["GetUserInfo", "GetUserPermissions"]
    assert all(c[2]["aptoken"] == TOKEN for c in gateway.calls[1:3])
    assert (client.user_id, client.username, client.is_operator) == (1, "ops", False)
    assert client.permissions == frozenset({"Trading"})
    assert client.logged_in


def test_hmac_login_headers(gateway: FakeGateway) -> None:
    with Client(URL, api_key="ops-key", api_secret=API_SECRET, user_id=1, transport=gateway.transport()) as c:
        assert c.user_id == 1
    _, _, headers = gateway.calls[0]
    nonce = headers["Nonce"]
    assert headers["APIKey"] == "ops-key" and headers["UserId"] == "1"
    expected = hmac.new(API_SECRET.encode(), f"{nonce}1ops-key".encode(), hashlib.sha256).hexdigest()
    assert headers["Signature"] == expected == signature(API_SECRET, nonce, "1", "ops-key")
    assert "Authorization" not in headers


@pytest.mark.parametrize("two_factor", [CODE, lambda: CODE])
def test_two_factor_completion(gateway: FakeGateway, make_client: MakeClient, two_factor: Any) -> None:
    gateway.require_2fa = True
    client = make_client(two_factor=two_factor)
    names = [c[0] for c in gateway.calls]
    assert names[:2] == ["Authenticate", "Authenticate2FA"]
    _, payload, headers = gateway.calls[1]
    assert payload == {"Code": CODE} and headers["Pending2FaToken"]
    assert client.logged_in


def test_two_factor_missing_or_wrong(gateway: FakeGateway, make_client: MakeClient) -> None:
    gateway.require_2fa = True
    with pytest.raises(AuthenticationError, match="two_factor"):
        make_client()
    with pytest.raises(AuthenticationError, match="2FA code"):
        make_client(two_factor="000000")


def test_bad_password_and_no_credentials(gateway: FakeGateway, make_client: MakeClient) -> None:
    with pytest.raises(AuthenticationError, match="Invalid username or password"):
        make_client(password="wrong")
    with pytest.raises(AuthenticationError, match="no usable credentials"):
        Client(URL, transport=gateway.transport())


def test_close_logs_out_and_context_manager(gateway: FakeGateway) -> None:
    with Client(URL, username="ops", password=PASSWORD, transport=gateway.transport()) as client:
        assert "logged in" in repr(client)
    assert gateway.calls[-1][0] == "LogOut"
    assert not client.logged_in and "logged out" in repr(client)
    client.close()  # idempotent
    assert gateway.count("LogOut") == 1


def test_repr_shows_url_oms_user_state(make_client: MakeClient) -> None:
    text = repr(make_client())
    assert "http://gw.test" in text and "OMS 1" in text and "'ops'" in text and "logged in" in text


@pytest.mark.parametrize(("given", "root"), [
    ("http://gw.test", "http://gw.test"), ("http://gw.test/", "http://gw.test"),
    ("http://gw.test/AP", "http://gw.test"), ("https://h:8443/ap/", "https://h:8443"),
    ("http://user:pw@gw.test:80/AP", "http://gw.test:80"), ("http://gw.test/apex/AP", "http://gw.test/apex"),
])
def test_base_url_is_the_host_root(given: str, root: str) -> None:
    assert normalize_base_url(given) == root


def test_base_url_with_ap_suffix_still_works(gateway: FakeGateway) -> None:
    with Client(URL + "/AP/", username="ops", password=PASSWORD, transport=gateway.transport()) as client:
        assert client.base_url == URL
    with pytest.raises(ValueError, match="base_url"):
        Client("gw.test", username="ops", password=PASSWORD)


def test_settings_from_env_masks_secrets() -> None:
    env = {"APEX_URL": URL, "APEX_USERNAME": "ops", "APEX_PASSWORD": PASSWORD, "APEX_API_KEY": "k",
           "APEX_API_SECRET": API_SECRET, "APEX_USER_ID": "1", "APEX_OMS_ID": "2", "APEX_2FA_CODE": CODE}
    settings = Settings.from_env(env)
    assert (settings.user_id, settings.oms_id, settings.password) == (1, 2, PASSWORD)
    text = repr(settings) + str(settings)
    assert PASSWORD not in text and API_SECRET not in text and CODE not in text and "'***'" in text
    with pytest.raises(ValueError, match="APEX_URL"):
        Settings.from_env({})
    with pytest.raises(ValueError, match="APEX_USER_ID"):
        Settings.from_env({"APEX_URL": URL, "APEX_USER_ID": "x"})


def test_client_from_env(gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("APEX_API_KEY", "APEX_API_SECRET", "APEX_USER_ID", "APEX_2FA_CODE", "APEX_OMS_ID"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("APEX_URL", URL + "/AP")
    monkeypatch.setenv("APEX_USERNAME", "ops")
    monkeypatch.setenv("APEX_PASSWORD", PASSWORD)
    with Client.from_env(transport=gateway.transport()) as client:
        assert client.username == "ops" and client.base_url == URL


def test_client_from_env_lets_arguments_override_the_environment(gateway: FakeGateway,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APEX_URL", URL)
    monkeypatch.setenv("APEX_USERNAME", "someone-else")
    monkeypatch.delenv("APEX_PASSWORD", raising=False)
    with Client.from_env(username="ops", password=PASSWORD, transport=gateway.transport()) as client:
        assert client.username == "ops"


def test_settings_repr_hides_credentials_inside_the_url() -> None:
    settings = Settings(base_url=f"https://ops:{PASSWORD}@apex.example.com:8443/AP?aptoken=tok")
    assert PASSWORD not in repr(settings) and "tok" not in repr(settings)
    assert "https://apex.example.com:8443/AP" in repr(settings)


@pytest.mark.parametrize("bad", [True, 9.0, -1, "9", float("nan"), None, [9, "x"], [], [True], object()])
def test_bad_ids_are_refused_before_any_request(gateway: FakeGateway, make_client: MakeClient,
                                                bad: Any) -> None:
    client = make_client()
    before = len(gateway.calls)
    with pytest.raises(ScopeError):
        client.open_orders(bad)
    with pytest.raises(ScopeError):
        client.open_orders(9, instrument_id=bad if not isinstance(bad, list) else 1.5)
    with pytest.raises(ScopeError):
        client.order_history(bad)
    assert len(gateway.calls) == before


def test_numpy_ids_and_duplicates_are_accepted(gateway: FakeGateway, make_client: MakeClient) -> None:
    import numpy as np

    frame = make_client().open_orders([np.int64(9), 9, 10], instrument_id=np.int32(1))
    assert frame.attrs["accounts_requested"] == [9, 10]
    assert frame.attrs["instrument_id"] == 1


def test_instrument_filter_never_widens(gateway: FakeGateway, make_client: MakeClient) -> None:
    from client_fakes import order

    gateway.orders[9] = [order(1, 9, instrument=1), order(2, 9, instrument=2)]  # gateway ignores filter
    frame = make_client().open_orders(9, instrument_id=2)
    assert frame["order_id"].tolist() == [2]
    assert gateway.calls[-1][1]["InstrumentId"] == 2


def test_close_after_expiry_does_not_log_in_again(gateway: FakeGateway) -> None:
    client = Client(URL, username="ops", password=PASSWORD, transport=gateway.transport())
    gateway.token = "expired-now"
    client.close()
    assert gateway.logins == 1 and gateway.count("LogOut") == 1 and not client.logged_in
