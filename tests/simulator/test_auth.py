"""Login flows, sessions, idle expiry on the injected clock, LogOut, and the 401/404 switch."""

from __future__ import annotations

import base64

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.simulator.sessions import sign

from .conftest import assert_error, session_token

OPEN_ORDERS = {"OMSId": 1, "AccountId": 9}


def hmac_headers(user: str = "trader", user_id: str = "2", nonce: str = "1700000000000") -> dict[str, str]:
    return {
        "Nonce": nonce,
        "APIKey": f"{user}-key",
        "UserId": user_id,
        "Signature": sign(f"{user}-secret", nonce, user_id, f"{user}-key"),
    }


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_basic_login_by_get_or_post(anon: httpx.Client, method: str) -> None:
    reply = anon.request(
        method, "/AP/Authenticate", params={"grant_type": "client_credentials"}, auth=("Trader", "demo")
    )
    assert reply.status_code == 200 and reply.json()["UserId"] == 2


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_api_key_header_login(anon: httpx.Client, method: str) -> None:
    reply = anon.request(method, "/AP/Authenticate", headers=hmac_headers())
    body = reply.json()
    assert reply.status_code == 200 and body["User"]["UserId"] == 2 and body["User"]["AccountId"] == 9


def test_authenticate_user_with_password_signature_or_basic(anon: httpx.Client) -> None:
    by_password = anon.post("/AP/AuthenticateUser", json={"username": "ops", "password": "demo"}).json()
    assert by_password["UserId"] == 1
    quartet = hmac_headers("viewer", "4", "42")
    by_signature = anon.post("/AP/AuthenticateUser", json=quartet).json()
    assert by_signature["UserId"] == 4
    assert anon.get("/AP/AuthenticateUser", headers=quartet).json()["UserId"] == 4
    assert anon.get("/AP/AuthenticateUser", auth=("trader2", "demo")).json()["UserId"] == 3


@pytest.mark.parametrize("status", [401, 404])
def test_failed_logins_answer_the_unauthenticated_status(
    sim: FakeOMS, anon: httpx.Client, status: int
) -> None:
    sim.config.unauthenticated_status = status
    for reply in (
        anon.get("/AP/Authenticate", auth=("trader", "wrong")),
        anon.get("/AP/Authenticate", auth=("nobody", "demo")),
        anon.get("/AP/Authenticate", headers={**hmac_headers(), "Signature": "00" * 32}),
        anon.get("/AP/Authenticate", headers={**hmac_headers(), "APIKey": "ops-key"}),
        anon.get("/AP/Authenticate", headers={"Nonce": "1", "APIKey": "trader-key"}),
        anon.get("/AP/Authenticate", headers={"Authorization": "Basic !!notbase64"}),
        anon.get("/AP/Authenticate"),
    ):
        assert reply.status_code == status
        assert reply.json()["Authenticated"] is False and reply.json()["errormsg"]


def test_two_factor_flow(anon: httpx.Client) -> None:
    pending = anon.get("/AP/Authenticate", auth=("secure", "demo")).json()
    assert pending["Requires2FA"] is True and "SessionToken" not in pending
    token = pending["Pending2FaToken"]
    wrong = anon.get("/AP/Authenticate2FA", params={"Code": "000000"}, headers={"Pending2FaToken": token})
    assert wrong.status_code == 401 and wrong.json()["Authenticated"] is False
    right = anon.get("/AP/Authenticate2FA", params={"Code": "123456"}, headers={"pending2fatoken": token})
    assert right.status_code == 200 and right.json()["UserId"] == 5
    session = right.json()["SessionToken"]
    orders = anon.post("/AP/GetOpenOrders", json={"OMSId": 1, "AccountId": 12}, headers={"aptoken": session})
    assert orders.status_code == 200 and len(orders.json()) == 8
    reused = anon.post("/AP/Authenticate2FA", json={"Code": "123456"}, headers={"Pending2FaToken": token})
    assert reused.status_code == 401


def test_authenticate_user_2fa_uses_twofatoken(anon: httpx.Client) -> None:
    body = anon.post("/AP/AuthenticateUser", json={"UserName": "secure", "Password": "demo"}).json()
    assert body["Requires2FA"] is True and body["SessionToken"] is None and body["TwoFAType"] == "Google"
    done = anon.post("/AP/Authenticate2FA", json={"Code": 123456, "TwoFAToken": body["TwoFAToken"]})
    assert done.status_code == 200 and done.json()["UserId"] == 5


def test_private_calls_need_a_session(anon: httpx.Client) -> None:
    reply = anon.post("/AP/GetOpenOrders", json=OPEN_ORDERS)
    assert reply.status_code == 401
    assert_error(reply.json(), 20, "not logged in")
    bogus = anon.post("/AP/GetOpenOrders", json=OPEN_ORDERS, headers={"aptoken": "not-a-session"})
    assert bogus.status_code == 401
    assert_error(bogus.json(), 20, "session")


def test_public_calls_need_no_session(anon: httpx.Client) -> None:
    for name, payload in (
        ("Ping", {}),
        ("GetProducts", {"OMSId": 1}),
        ("GetInstruments", {"OMSId": 1}),
        ("GetInstrument", {"OMSId": 1, "InstrumentId": 2}),
    ):
        assert anon.post(f"/AP/{name}", json=payload).status_code == 200, name


def test_aptoken_header_in_any_case(anon: httpx.Client) -> None:
    token = session_token(anon, "trader")
    for header in ("aptoken", "APToken", "APTOKEN"):
        assert anon.get("/AP/GetOpenOrders", params=OPEN_ORDERS, headers={header: token}).status_code == 200


def test_per_request_hmac_headers_are_accepted(sim: FakeOMS, anon: httpx.Client) -> None:
    reply = anon.get("/AP/GetOpenOrders", params=OPEN_ORDERS, headers=hmac_headers())
    assert reply.status_code == 200 and len(reply.json()) == 8
    assert sim.requests[-1].user == "trader"
    bad = anon.get("/AP/GetOpenOrders", params=OPEN_ORDERS, headers={**hmac_headers(), "Signature": "ab"})
    assert bad.status_code == 401
    assert_error(bad.json(), 20, "signature")


def test_session_expires_after_an_idle_hour(sim: FakeOMS, clock: ManualClock, anon: httpx.Client) -> None:
    token = session_token(anon, "trader")
    headers = {"aptoken": token}
    clock.advance(3000)
    assert anon.get("/AP/GetOpenOrders", params=OPEN_ORDERS, headers=headers).status_code == 200
    clock.advance(3000)  # 6000 s since login but only 3000 s idle: activity renews the hour
    assert anon.get("/AP/GetOpenOrders", params=OPEN_ORDERS, headers=headers).status_code == 200
    clock.advance(3600.5)
    expired = anon.get("/AP/GetOpenOrders", params=OPEN_ORDERS, headers=headers)
    assert expired.status_code == 401
    assert_error(expired.json(), 20, "expired")
    clock.advance(1)
    assert anon.get("/AP/GetOpenOrders", params=OPEN_ORDERS, headers=headers).status_code == 401


def test_session_ttl_is_a_switch(sim: FakeOMS, clock: ManualClock, anon: httpx.Client) -> None:
    sim.config.session_ttl = 10
    headers = {"aptoken": session_token(anon, "trader")}
    clock.advance(11)
    assert anon.get("/AP/GetOpenOrders", params=OPEN_ORDERS, headers=headers).status_code == 401


def test_logout_ends_the_session(anon: httpx.Client) -> None:
    headers = {"aptoken": session_token(anon, "trader")}
    assert anon.post("/AP/LogOut", json={}, headers=headers).json()["result"] is True
    assert anon.get("/AP/GetOpenOrders", params=OPEN_ORDERS, headers=headers).status_code == 401


def test_unauthenticated_status_switch_to_404(sim: FakeOMS, anon: httpx.Client) -> None:
    sim.config.unauthenticated_status = 404
    reply = anon.get("/AP/GetOpenOrders", params=OPEN_ORDERS)
    assert reply.status_code == 404
    assert_error(reply.json(), 20)


def test_basic_header_is_parsed_case_insensitively(anon: httpx.Client) -> None:
    value = "basic " + base64.b64encode(b"ops:demo").decode()
    assert anon.get("/AP/Authenticate", headers={"AUTHORIZATION": value}).json()["UserId"] == 1
