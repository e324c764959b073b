"""Tutorial 2 · Preview and cancel: why ``AccountId 0`` is dangerous, scopes, preview and drift.

The second half of the notebook (execute, journal, panel) is in ``nb02_execute_and_panel``.
"""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode

from .cells import code, md
from .nb02_execute_and_panel import EXECUTE_AND_PANEL

FILENAME = "02_preview_and_cancel.ipynb"

CELLS: list[NotebookNode] = [
    md("""
    # 2 · Preview and cancel, safely

    APEX cancels orders in bulk with one call, `CancelAllOrders`. It is a blunt instrument:

    * its reply is only an acknowledgement (`result`, `errormsg`, `errorcode`, `detail`); it never
      says *which* orders it cancelled;
    * and, in the words of the APEX documentation, it *"will cancel all existing orders on an OMS when
      sending AccountID = 0 or when AccountID is omitted."*

    This tutorial first shows that danger on a throwaway simulator, then the safe path of
    `apex_notebook`: **scope → preview → confirm → execute → verify**, recorded in a journal, in code
    and then with the panel.
    """),
    code("""\
    %matplotlib inline
    from pathlib import Path

    import httpx

    import apex_notebook as apx
    from apex_notebook.ui import plots
    """),
    md("""
    ## Why `AccountId 0` is dangerous

    A small, throwaway simulator: 12 accounts with 5 open orders each.
    """),
    code("""\
    throwaway = apx.simulator.FakeOMS.seeded(seed=1, accounts=12, orders_per_account=5)
    before = len(throwaway.open_order_ids())
    before
    """),
    md("""
    Talk to it the way most hand-written APEX scripts do: raw HTTP with `httpx`. Log in (HTTP Basic
    on `/AP/Authenticate`) and keep the session token for the `aptoken` header. The token is a secret:
    it stays in a variable and is never printed.
    """),
    code("""\
    raw = httpx.Client(base_url=throwaway.url, transport=throwaway.transport())
    login = raw.get("/AP/Authenticate", params={"grant_type": "client_credentials"},
                    auth=("ops", "demo")).json()
    headers = {"aptoken": login.pop("SessionToken")}   # kept out of any output
    login["Authenticated"]
    """),
    md("""
    Now the innocent-looking request. Someone meant "cancel the orders of *this* account" and the
    account id came out as `0` (an unset variable, a failed lookup, a default value...):
    """),
    code("""\
    reply = raw.post("/AP/CancelAllOrders", json={"OMSId": 1, "AccountId": 0}, headers=headers)
    reply.json()
    """),
    md("""
    `result: true`. That is all APEX says. What actually happened:
    """),
    code("""\
    after = len(throwaway.open_order_ids())
    print(f"open orders before: {before}, after: {after}")
    {account: len(throwaway.open_order_ids(account_id=account)) for account in range(1, 13)}
    """),
    md("""
    **Every order of every account is gone**, and the reply did not even say how many. Omitting
    `AccountId` does exactly the same. That is why `apex_notebook` never lets "all" happen by
    accident, and why its own raw door, `call()`, does not send `CancelAllOrders` at all (below).
    """),
    code("""\
    raw.close()
    """),
    md("""
    ## `None` is refused, `apx.ALL` is explicit

    From here on we use the toolkit, on a fresh simulator with the demo data of tutorial 1.
    """),
    code("""\
    sim = apx.simulator.FakeOMS.seeded(seed=7)
    apex = apx.Client(sim.url, username="ops", password="demo", transport=sim.transport())
    apex
    """),
    md("""
    The raw `call()` sends most APEX calls as they are, but never `CancelAllOrders`: not with an
    explicit `AccountId`, not with `0`, not under another spelling. It is refused before any request
    is made, and the message points to the safe path:
    """),
    code("""\
    for name, payload in (("CancelAllOrders", {"AccountId": 9, "InstrumentId": 1}),
                          (" cancelallorders ", {"AccountId": 0}),
                          ("/AP/CancelAllOrders", {})):
        try:
            apex.call(name, **payload)
        except apx.ScopeError as exc:
            print(f"refused: {exc}")
    [call.name for call in sim.requests if call.name == "CancelAllOrders"]   # nothing was sent
    """),
    md("""
    A **scope** names exactly which orders a cancel hits: an account and an instrument, both
    required. `None` never means "all":
    """),
    code("""\
    try:
        apx.CancelScope(account_id=None, instrument_id=1)
    except apx.ScopeError as exc:
        print(f"refused: {exc}")
    """),
    md("""
    Nor do other values that slip through scripts: floats, bools, strings, negative numbers. Each is
    refused with a message that says what to do instead.
    """),
    code("""\
    for bad in (9.0, True, "9", -1):
        try:
            apx.CancelScope(account_id=bad, instrument_id=apx.ALL)
        except apx.ScopeError as exc:
            print(f"{bad!r:>6}: {exc}")
    """),
    md("""
    "All" exists, but you must say it: `apx.ALL`. `0` is accepted only as a documented synonym (it
    is what APEX uses on the wire) and becomes `apx.ALL`, with the same warnings and the same
    confirmation phrase.
    """),
    code("""\
    apx.CancelScope(account_id=0, instrument_id=1) == apx.CancelScope(account_id=apx.ALL, instrument_id=1)
    """),
    md("""
    ## Scopes in words

    `describe()` says what a scope means, in the words you would use on the phone to a colleague:
    """),
    code("""\
    symbols = apex.instrument_symbols()
    for scope in (apx.CancelScope(account_id=9, instrument_id=apx.ALL),
                  apx.CancelScope(account_id=9, instrument_id=1),
                  apx.CancelScope(account_id=apx.ALL, instrument_id=1)):
        print(f"{scope!r:62} -> {scope.describe(symbols)}")
    """),
    md("""
    `to_payload()` is what would be sent. `AccountId` is always there. The instrument goes under both
    spellings, because the APEX documentation spells the key `InstrumentId` in its examples and
    `IntrumentId` in its table, and a gateway that ignored the one we sent would cancel *every*
    instrument.
    """),
    code("""\
    apx.CancelScope(account_id=9, instrument_id=1).to_payload()
    """),
    md("""
    ## Preview

    `preview(scope)` takes a fresh snapshot of exactly what the scope can touch and freezes the
    orders it would cancel into a `CancelPlan`. Nothing is cancelled. In a notebook the plan shows
    itself: the scope in words, the counts, the orders, and the **confirmation phrase** you will have
    to type.
    """),
    code("""\
    scope = apx.CancelScope(account_id=9, instrument_id=1)
    plan = apex.preview(scope)
    plan
    """),
    code("""\
    print(plan.confirmation_phrase)
    plan.count, plan.notional_by_currency.round(2).to_dict(), plan.by_side.to_dict()
    """),
    md("""
    Previewing the dangerous scope is harmless, and shows why it is dangerous: a loud banner and
    every account in the table.
    """),
    code("""\
    wide = apex.preview(apx.CancelScope(account_id=apx.ALL, instrument_id=1))
    wide
    """),
    code("""\
    plots.plan_composition(wide).figure
    """),
    md("""
    ## Drift: a preview is binding

    The market does not stop while you read a preview. Suppose a new BTCUSD order arrives on
    account 9 (the simulator lets us play the market):
    """),
    code("""\
    new_order = sim.place_order(9, 1, side="Buy", quantity=0.5, price=61000.0)
    new_order
    """),
    md("""
    Just before sending, `execute` fetches the scope again. The orders differ from the plan, so it
    stops and shows the difference:
    """),
    code("""\
    try:
        apex.execute(plan, reason="tutorial: drift", confirm=plan.confirmation_phrase)
    except apx.DriftError as exc:
        drift = exc
        print(f"{type(exc).__name__}: {exc}")
    """),
    code("""\
    drift.added[["order_id", "account_id", "symbol", "side", "quantity", "price"]]
    """),
    code("""\
    len(drift.removed)
    """),
    md("""
    Nothing was sent: the simulator records every call it receives, and there is no
    `CancelAllOrders` among them.
    """),
    code("""\
    [call.name for call in sim.requests if call.name == "CancelAllOrders"]
    """),
    *EXECUTE_AND_PANEL,
]
