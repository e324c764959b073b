"""What each real client does with a call the OMS does not serve, under every ``unknown_call`` mode.

Each client uses its own method for a call the simulator does not serve: ccxt
``fetch_deposit_address`` (GetDepositInfo, HTTP), npm ``RPCPromise("GetDepositInfo")`` (WS),
notbank ``get_account_fees`` (GetAccountFees, HTTPS and WSS). Measured, and kept true by this test:

=========  ===================  ========================  ==========================  =====================
mode       ccxt ndax (HTTP)     npm 3.2.19 (WS)           notbank REST                notbank WS
=========  ===================  ========================  ==========================  =====================
error106   ExchangeError        never settles             ValueError (no 106 in its   times out (the same
                                                          ErrorCode enum)             ValueError, swallowed)
m1         ExchangeError        resolves: m:1 + 106       ValueError                  times out
error100   ExchangeError        resolves: m:1 + 100       NotbankException            NotbankException
                                                          INVALID_REQUEST             INVALID_REQUEST
http404    AuthenticationError  never settles             NotbankException            times out
                                                          SERVER_ERROR
=========  ===================  ========================  ==========================  =====================

Only ``error100`` lets every client settle with an error; every mode leaves the connection usable.
"""

from __future__ import annotations

import pytest

from apex_notebook.simulator import FakeOMS

from .conftest import Drive

EXPECTED = {
    "error106": ("ExchangeError", None, "ValueError", "NotbankException TIMED_OUT"),
    "m1": ("ExchangeError", 106, "ValueError", "NotbankException TIMED_OUT"),
    "error100": ("ExchangeError", 100, "NotbankException INVALID_REQUEST", "NotbankException INVALID_REQUEST"),
    "http404": ("AuthenticationError", None, "NotbankException SERVER_ERROR", "NotbankException TIMED_OUT"),
}


@pytest.mark.parametrize("mode", list(EXPECTED))
def test_unknown_call_outcomes(mode: str, sim: FakeOMS, ccxt_ndax: Drive, apex_api_npm: Drive,
                               notbank: Drive) -> None:
    sim.config.unknown_call = mode
    ccxt_error, npm_code, notbank_rest, notbank_ws = EXPECTED[mode]
    assert ccxt_ndax("unknown") == {"error": ccxt_error}
    npm = apex_api_npm("unknown")
    if npm_code is None:
        assert npm["reply"] == "timeout"  # RPCPromise settles only on m:1
    else:
        assert (npm["reply"]["m"], npm["reply"]["o"]["errorcode"]) == (1, npm_code)
    assert npm["still_served"] == len(sim.open_order_ids(account_id=9))
    assert notbank("unknown") == {"rest": notbank_rest, "websocket": notbank_ws,
                                  "still_served": len(sim.open_order_ids(account_id=9))}
    unknown = {call.name for call in sim.requests} & {"GetDepositInfo", "GetAccountFees"}
    assert unknown == {"GetDepositInfo", "GetAccountFees"}
