"""The request log masks secrets and 2FA codes at every depth; enumeration_hides leaves accounts
out of GetAllAccountPositions while they keep existing, holding orders and being cancelled."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, SimConfig
from apex_notebook.simulator.recording import MASK, MAX_DEPTH, mask_payload

from .conftest import Login, call


def test_nested_secrets_and_2fa_codes_are_masked(sim: FakeOMS, anon: httpx.Client) -> None:
    sim.requests.clear()
    payload = {
        "UserName": "ops", "Code": "123456", "authCode": "654321", "TwoFACode": "111111",
        "Outer": {"password": "pw-one",
                  "Inner": [{"APISecret": "sec-one"}, {"Deep": {"twofatoken": "tfa-one", "code": "2"}}]},
        "List": [[{"SessionToken": "tok-one"}], "plain"], "NewPasswordHash": "h", "RefreshToken": "r",
    }
    anon.post("/AP/Authenticate2FA", json=payload)
    recorded = sim.requests[-1].payload
    assert recorded == {
        "UserName": "ops", "Code": MASK, "authCode": MASK, "TwoFACode": MASK,
        "Outer": {"password": MASK, "Inner": [{"APISecret": MASK}, {"Deep": {"twofatoken": MASK, "code": MASK}}]},
        "List": [[{"SessionToken": MASK}], "plain"], "NewPasswordHash": MASK, "RefreshToken": MASK,
    }
    for secret in ("123456", "654321", "111111", "pw-one", "sec-one", "tfa-one", "tok-one"):
        assert secret not in repr(sim.requests)
    assert payload["Outer"]["password"] == "pw-one"  # type: ignore[index]  # the caller's dict is untouched


def test_masking_keeps_ordinary_values_and_bounds_depth() -> None:
    assert mask_payload({"OMSId": 1, "AccountId": 9, "ClientOrderId": 5}) == {"OMSId": 1, "AccountId": 9,
                                                                              "ClientOrderId": 5}
    deep: dict[str, Any] = {"password": "x"}
    for _ in range(MAX_DEPTH + 5):
        deep = {"a": deep}
    masked = mask_payload(deep)
    assert "'x'" not in repr(masked) and MASK in repr(masked)


def test_login_2fa_code_is_masked(sim: FakeOMS, anon: httpx.Client) -> None:
    sim.requests.clear()
    anon.post("/AP/AuthenticateUser", json={"UserName": "secure", "Password": "demo", "authCode": "123456"})
    assert sim.requests[-1].payload == {"UserName": "secure", "Password": MASK, "authCode": MASK}


def enumerate_accounts(client: httpx.Client, limit: int) -> list[int]:
    seen: list[int] = []
    start = 0
    while True:
        rows = call(client, "GetAllAccountPositions", OMSId=1, StartIndex=start, Limit=limit)
        assert isinstance(rows, list)
        if not rows:
            return seen
        accounts = sorted({row["AccountId"] for row in rows})
        seen.extend(accounts)
        start = accounts[-1] + 1


@pytest.mark.parametrize("limit", [1, 3, 100])
def test_enumeration_hides_accounts(sim: FakeOMS, login: Login, limit: int) -> None:
    ops = login("ops")
    assert enumerate_accounts(ops, limit) == sorted(sim.catalog.accounts)
    sim.config.enumeration_hides = {4, 5, 13}  # type: ignore[assignment]  # any iterable; stored as frozenset
    assert sim.config.enumeration_hides == frozenset({4, 5, 13})
    assert enumerate_accounts(ops, limit) == [a for a in sorted(sim.catalog.accounts) if a not in {4, 5, 13}]
    # the hidden accounts still exist and hold orders ...
    assert sim.open_order_ids(account_id=13)
    assert call(ops, "GetAccountInfo", OMSId=1, AccountId=13)["AccountId"] == 13  # type: ignore[index]
    # ... and an OMS-wide cancel still cancels them
    assert call(ops, "CancelAllOrders", OMSId=1)["result"] is True  # type: ignore[index]
    assert sim.open_order_ids() == set()


def test_enumeration_hides_validation() -> None:
    config = SimConfig()
    assert config.enumeration_hides == frozenset()
    for bad in (["9"], [True], [0], 5, "12"):
        with pytest.raises((TypeError, ValueError), match="enumeration_hides"):
            config.enumeration_hides = bad  # type: ignore[assignment]
