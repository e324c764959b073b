#!/usr/bin/env python3
"""Write the tutorial notebooks of ``notebooks/`` from the sources in this file (the source of truth).

Usage (from the repository root)::

    .venvs/test/bin/python notebooks/build_notebooks.py           # (re)write every notebook
    .venvs/test/bin/python notebooks/build_notebooks.py --check   # exit 1 if a notebook is stale

The notebooks are committed **without outputs**: their outputs could only ever come from the
simulator, they would make every diff noisy, and the test suite executes every notebook fresh
(``tests/notebooks/test_notebooks.py``). Cell ids are deterministic so that a rebuild of unchanged
sources gives byte-identical files.

Files written by the notebooks go to ``tutorial-output/`` next to the notebook (git-ignored) or to a
temporary directory; never into a tracked folder.

Each notebook is a list of cells: ``md(...)`` for prose, ``code(...)`` for code. Keep cells short, one
idea each.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

HERE = Path(__file__).resolve().parent
#: Folder (next to the notebooks) where the tutorials write their files; git-ignored.
OUTPUT_DIR = "tutorial-output"


def md(text: str) -> NotebookNode:
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text: str) -> NotebookNode:
    return nbformat.v4.new_code_cell(textwrap.dedent(text).strip("\n"))


# --------------------------------------------------------------------------------------------------
# 1. Explore open orders
# --------------------------------------------------------------------------------------------------
EXPLORE = [
    md("""
    # 1 · Explore open orders

    *What is open right now, where, and how big?*

    In this tutorial you connect to an APEX Order Management System (OMS), take a **snapshot** of the
    open orders as a typed pandas DataFrame, look at where it came from, slice it, plot it and export
    it.

    Everything here runs against the **APEX OMS simulator** that ships with `apex_notebook`: a fake
    OMS that speaks the real APEX wire format, running inside this Python process. No credentials, no
    network, nothing you do here can touch a real exchange.
    """),
    code("""\
    %matplotlib inline
    from pathlib import Path

    import pandas as pd
    from matplotlib.figure import Figure

    import apex_notebook as apx
    from apex_notebook import plots
    """),
    md("""
    `%matplotlib inline` lets Jupyter draw the figures that the `plots` functions return. Everything
    else you need is in the `apx` namespace.

    ## A simulated OMS

    `FakeOMS.seeded(seed=7)` builds an OMS with 40 accounts and a few thousand open orders (limit,
    stop and partially filled orders on seven instruments). The same seed always gives the same
    orders, so what you see here is what your colleagues see.
    """),
    code("""\
    sim = apx.simulator.FakeOMS.seeded(seed=7)
    sim
    """),
    md("""
    ## Connect

    `apx.Client` is the one front door to a gateway. It logs in when you create it. Here it talks to
    the simulator through `transport=sim.transport()`: the HTTP requests are real APEX requests, but
    they are answered in process.

    `ops` is the simulator's Operator (an Operator may see and cancel orders of *every* account).
    `"demo"` is the simulator's documented demo password. For a real gateway, never type a password
    into a cell: tutorial 4 shows how to read it from the environment or ask for it with `getpass`.
    """),
    code("""\
    apex = apx.Client(sim.url, username="ops", password="demo", transport=sim.transport())
    apex
    """),
    md("""
    The client knows who you are. Notice what its `repr` does *not* show: the session token. Secrets
    never appear in a repr, an error message, a DataFrame or a notebook output.
    """),
    code("""\
    apex.username, apex.user_id, sorted(apex.permissions), apex.is_operator
    """),
    md("""
    ## Accounts and instruments

    Two small frames tell you what you can see. `permission` is *your* role on each account.
    """),
    code("""\
    accounts = apex.accounts()
    accounts.head(12)
    """),
    code("""\
    instruments = apex.instruments()
    instruments[["instrument_id", "symbol", "product1_symbol", "product2_symbol", "session_status"]]
    """),
    md("""
    ## The snapshot

    `open_orders()` with no argument means *every account you can see*; for an Operator that is every
    account of the OMS. The client asks for each account concurrently (with a progress bar when there
    are many) and assembles one frame.
    """),
    code("""\
    orders = apex.open_orders()
    orders.shape
    """),
    code("""\
    orders[["order_id", "account_id", "account_name", "symbol", "side", "order_type", "price",
            "quantity", "notional", "receive_time"]].head()
    """),
    md("""
    ### Typed columns

    The frame has a declared schema: ids are nullable `Int64` (never floats, never `-1`), low-cardinality
    text is `category`, times are timezone-aware UTC. `notional` is derived: price x remaining quantity
    (stop price for stop-market orders). A missing value is a real `<NA>`, never a sentinel like `0`.
    """),
    code("""\
    orders[["order_id", "account_id", "symbol", "side", "price", "quantity", "notional",
            "receive_time", "order_state", "is_quote"]].dtypes
    """),
    md("""
    ### Where the snapshot came from: `attrs`

    Every snapshot carries its provenance in `df.attrs`: which OMS, when it was taken (just *before*
    the first request), which accounts were asked for, which failed, and from which gateway (never
    with credentials).

    `accounts_failed` matters: **a failed fetch is never an empty frame.** If some accounts cannot be
    read, `open_orders()` raises `apx.PartialSnapshotError` naming them, instead of quietly returning
    fewer orders.
    """),
    code("""\
    {key: value for key, value in orders.attrs.items() if key != "accounts_requested"}
    """),
    code("""\
    requested = orders.attrs["accounts_requested"]
    failed = orders.attrs["accounts_failed"]
    f"{len(requested)} accounts requested ({requested[0]}..{requested[-1]}), {len(failed)} failed"
    """),
    md("""
    Many pandas operations drop `attrs`, so keep what you need in a variable:
    """),
    code("""\
    taken_at = orders.attrs["taken_at"]
    taken_at
    """),
    md("""
    ## Slicing

    It is an ordinary DataFrame. One account:
    """),
    code("""\
    alpha = orders[orders["account_id"] == 9]
    alpha[["order_id", "symbol", "side", "order_type", "price", "quantity", "notional"]].head()
    """),
    md("""
    Or ask the gateway for one account only: a fresh, smaller snapshot. Here nothing changed in
    between, so both give the same orders.
    """),
    code("""\
    fresh = apex.open_orders(account_id=9)
    len(fresh), len(alpha), set(fresh["order_id"]) == set(alpha["order_id"])
    """),
    md("""
    One instrument and one side, the sell side of BTCUSD, biggest first:
    """),
    code("""\
    btc_sells = orders[(orders["symbol"] == "BTCUSD") & (orders["side"] == "Sell")]
    btc_sells.nlargest(5, "notional")[["order_id", "account_id", "order_type", "price", "quantity", "notional"]]
    """),
    md("""
    Counts per account and instrument (`observed=True` keeps only the categories that occur):
    """),
    code("""\
    orders.pivot_table(index="account_id", columns="symbol", values="order_id", aggfunc="count",
                       observed=True, fill_value=0).head(12)
    """),
    md("""
    Where the money is: open notional per account, top ten.
    """),
    code("""\
    orders.groupby(["account_id", "account_name"], observed=True)["notional"].sum().nlargest(10).round(2)
    """),
    md("""
    ## Plots

    The `plots` functions are pure: they take a frame (and optionally a matplotlib `ax`) and return
    the `Axes`. They never touch pyplot's global state. Return `ax.figure` from a cell to see it.

    Open orders by account x instrument, busiest accounts first:
    """),
    code("""\
    plots.open_orders_heatmap(orders).figure
    """),
    md("""
    Open notional by instrument, split by side:
    """),
    code("""\
    plots.notional_by_instrument(orders).figure
    """),
    md("""
    How long orders have been resting. Pass `now=taken_at` so the ages are measured at the moment of
    the snapshot (and the figure is the same whenever you redraw it).
    """),
    code("""\
    plots.order_age_distribution(orders, now=taken_at).figure
    """),
    md("""
    Because every function accepts an `ax`, you can compose your own figures:
    """),
    code("""\
    fig = Figure(figsize=(12, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    plots.notional_by_instrument(alpha, ax=left)
    plots.order_age_distribution(alpha, now=taken_at, ax=right)
    left.set_title("Account 9: open notional by instrument")
    right.set_title("Account 9: age of open orders")
    fig
    """),
    md(f"""
    ## Export

    Files go to a folder next to this notebook, `{OUTPUT_DIR}/` (git-ignored in the project). CSV and
    JSON lines need nothing beyond pandas. The `extras` column (unknown APEX fields, usually empty)
    holds dicts, so leave it out of flat files.
    """),
    code(f"""\
    out = Path("{OUTPUT_DIR}") / "01-explore"
    out.mkdir(parents=True, exist_ok=True)

    flat = orders.drop(columns=["extras"])
    flat.to_csv(out / "open-orders.csv", index=False)
    flat.to_json(out / "open-orders.jsonl", orient="records", lines=True, date_format="iso")
    """),
    md("""
    A CSV does not carry `attrs`, so write the provenance beside it. Without it, nobody can tell later
    *when* these orders were open.
    """),
    code("""\
    import json

    meta = {**orders.attrs, "taken_at": taken_at.isoformat(), "rows": len(orders)}
    (out / "open-orders.meta.json").write_text(json.dumps(meta, indent=2, default=str))
    plots.open_orders_heatmap(orders).figure.savefig(out / "open-orders-heatmap.png", dpi=120)
    sorted(path.name for path in out.iterdir())
    """),
    md("""
    Reading a CSV back gives plain types (ids as `int64`, text as plain strings, no categories, no
    nullable integers): exports are for people and other tools. For analysis in Python, a fresh
    typed snapshot is one call away.
    """),
    code("""\
    back = pd.read_csv(out / "open-orders.csv", parse_dates=["receive_time"])
    len(back) == len(orders), back[["order_id", "side", "receive_time"]].dtypes.to_dict()
    """),
    md("""
    ## Done

    `close()` logs out (a `with apx.Client(...) as apex:` block does it for you).

    Next: **2 · Preview and cancel**, where we cancel some of these orders, safely.
    """),
    code("""\
    apex.close()
    apex.logged_in
    """),
]

# --------------------------------------------------------------------------------------------------
# 2. Preview and cancel
# --------------------------------------------------------------------------------------------------
CANCEL = [
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
    from apex_notebook import plots
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
    accident.
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
    Even the raw `call()` refuses a `CancelAllOrders` without an explicit `AccountId`, before any
    request is made:
    """),
    code("""\
    try:
        apex.call("CancelAllOrders", InstrumentId=1)
    except apx.ScopeError as exc:
        print(f"refused: {exc}")
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
    plan.count, round(plan.total_notional, 2), plan.by_side.to_dict()
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
    md("""
    You can re-preview (usual) or pass `accept_drift=True` (recorded in the journal). We preview again.

    ## Execute, in code

    Every execution is written to a **journal**, an append-only SQLite file: the intent is written
    *before* the request leaves, the acknowledgement and the verified outcome after. Ours lives next
    to this notebook.
    """),
    code(f"""\
    Path("{OUTPUT_DIR}").mkdir(exist_ok=True)
    journal = apx.Journal(Path("{OUTPUT_DIR}") / "apex-journal.sqlite")
    journal
    """),
    code("""\
    plan = apex.preview(scope)
    print(plan.confirmation_phrase)
    """),
    md("""
    Execution needs a reason (it goes into the journal) and the confirmation phrase, typed exactly.
    "yes" is not enough:
    """),
    code("""\
    try:
        apex.execute(plan, reason="tutorial", confirm="yes")
    except apx.ConfirmationError as exc:
        print(f"refused: {exc}")
    """),
    md("""
    Now for real. After the send, the client does not trust the acknowledgement: it **verifies**,
    polling until every previewed order is final, and classifies each one.
    """),
    code("""\
    result = apex.execute(plan, reason="tutorial: cancel account 9's BTCUSD orders",
                          confirm=plan.confirmation_phrase, journal=journal)
    result
    """),
    md("""
    The summary is modelled on FIX's mass-cancel report: how many were previewed, affected, cancelled,
    filled first, still open, unknown, and any **collateral** (orders outside the scope that
    disappeared).
    """),
    code("""\
    {key: result.summary[key] for key in ("previewed", "affected", "canceled", "filled_before_cancel",
                                          "still_open", "unknown", "collateral", "ack_status")}
    """),
    code("""\
    result.orders[["order_id", "symbol", "side", "orig_quantity", "outcome", "final_state"]].head()
    """),
    code("""\
    plots.outcome_breakdown(result).figure
    """),
    md("""
    Check against the simulator's own truth: nothing of account 9 on BTCUSD is open any more, and
    the order that arrived during the drift was cancelled with the rest.
    """),
    code("""\
    sim.open_order_ids(account_id=9, instrument_id=1), sim.order(new_order)["OrderState"]
    """),
    md("""
    A plan executes **at most once**:
    """),
    code("""\
    try:
        apex.execute(plan, reason="again", confirm=plan.confirmation_phrase)
    except apx.AlreadyExecutedError as exc:
        print(f"refused: {exc}")
    """),
    md("""
    Every result of this session is also collected in `apex.results`, one row per order:
    """),
    code("""\
    apex.results.groupby(["execution_id", "outcome"], observed=True).size()
    """),
    md("""
    And the journal has the record (tutorial 3 reads it in depth):
    """),
    code("""\
    journal.executions()[["execution_id", "state", "username", "scope_text", "reason", "previewed"]].tail(3)
    """),
    md("""
    ## The panel

    `apx.CancelPanel` is the same flow as widgets, for the moment when nobody wants to type Python:
    pick a scope, **Preview**, give a reason, type the phrase, **Execute**. Execute stays disabled
    until all of that is done.

    In a live notebook you click. So that this tutorial also shows something when it is run without
    a browser (as the test suite does), we drive the panel from code: every button has a method.
    """),
    code("""\
    panel = apx.CancelPanel(apex, journal=journal)
    panel
    """),
    code("""\
    panel.state, panel.blockers()
    """),
    md("""
    Choose a scope: account 10, all instruments (the same as picking them in the two dropdowns).
    """),
    code("""\
    panel.set_scope(10, apx.ALL)
    panel.state
    """),
    code("""\
    plan10 = panel.preview()      # the Preview button
    print(plan10.confirmation_phrase)
    panel.blockers()
    """),
    md("""
    Fill in the reason and type the phrase (the two text boxes). Execute becomes enabled:
    """),
    code("""\
    panel.confirm.reason.value = "tutorial: the panel, driven from code"
    panel.confirm.confirm.value = plan10.confirmation_phrase
    panel.blockers(), panel.confirm.execute_button.disabled
    """),
    code("""\
    panel.confirm.execute_button.click()
    panel.state, panel.result
    """),
    md("""
    One click per plan. A second click (even from code, where a disabled button can still be
    "clicked") is refused by the panel itself, and the reason shows inside the panel:
    """),
    code("""\
    panel.confirm.execute_button.click()
    print(panel.errors.text)
    """),
    md("""
    Choosing the all-accounts scope raises a red banner in the panel (only an Operator is offered
    that choice):
    """),
    code("""\
    panel.set_scope(apx.ALL, 1)
    panel.scope.danger.layout.display, "EVERY ACCOUNT" in panel.scope.danger.value
    """),
    md("""
    ## Done

    Next: **3 · Incident post-mortem**, where the journal tells the story of an incident.
    """),
    code("""\
    apex.close()
    journal.close()
    """),
]

# --------------------------------------------------------------------------------------------------
# 3. Incident post-mortem
# --------------------------------------------------------------------------------------------------
POSTMORTEM = [
    md("""
    # 3 · Incident post-mortem

    An incident in two acts.

    1. **The incident.** A trading algorithm on account 23 runs away and floods BTCUSD with orders.
       The gateway is under stress: cancels land late, some orders fill before their cancel arrives,
       and (as some gateways do) it ignores the instrument key of `CancelAllOrders`. We act.
    2. **The post-mortem.** The next morning, from the journal alone, we rebuild the story: when each
       step happened, what was cancelled, what filled first, what survived, what else got hit, and
       we export tables and figures for the incident report.

    The incident is replayed on the simulator, so you can run it as often as you like.
    """),
    code("""\
    %matplotlib inline
    import random
    import shutil
    import tempfile
    from pathlib import Path

    import pandas as pd

    import apex_notebook as apx
    from apex_notebook import plots
    """),
    code("""\
    sim = apx.simulator.FakeOMS.seeded(seed=7)
    apex = apx.Client(sim.url, username="ops", password="demo", transport=sim.transport())
    """),
    md("""
    ## Act 1: the incident

    The runaway algorithm: 240 BTCUSD orders on account 23 in a few seconds (`sim.place_order` plays
    the market).
    """),
    code("""\
    rng = random.Random(23)
    runaway = [sim.place_order(23, 1, side=rng.choice(["Buy", "Sell"]),
                               quantity=round(rng.uniform(0.01, 0.5), 3),
                               price=round(rng.uniform(60_000, 61_000), 1))
               for _ in range(240)]
    len(runaway)
    """),
    md("""
    ### Spot it

    One account stands out: every other account has 75 open orders.
    """),
    code("""\
    orders = apex.open_orders()
    orders.groupby(["account_id", "account_name"], observed=True).size().nlargest(4)
    """),
    md("""
    And the last five minutes point at one account and one instrument:
    """),
    code("""\
    recent = orders[orders["receive_time"] > orders.attrs["taken_at"] - pd.Timedelta(minutes=5)]
    recent.groupby(["account_id", "symbol"], observed=True).size().nlargest(3)
    """),
    code("""\
    plots.open_orders_heatmap(orders, max_accounts=10).figure
    """),
    md("""
    ### The gateway under stress

    Three simulator switches reproduce what makes real incidents messy:

    * `cancel_delay`: the cancels of one `CancelAllOrders` land over 1.5 seconds, not at once;
    * `fill_race`: 10% of the targeted orders fill before their cancel arrives;
    * `instrument_key = "none"`: this gateway ignores the instrument key, so a cancel of one
      instrument widens to every instrument of the account. The client cannot prevent what a gateway
      does, but it detects it: verification flags **collateral**.
    """),
    code("""\
    sim.config.cancel_delay = 1.5
    sim.config.fill_race = 0.10
    sim.config.instrument_key = "none"
    sim.config
    """),
    md("""
    ### Act, with a journal

    The journal of this replayed incident goes to a temporary folder (the report at the end keeps a
    copy).
    """),
    code("""\
    journal_path = Path(tempfile.mkdtemp(prefix="apex-incident-")) / "incident-journal.sqlite"
    journal = apx.Journal(journal_path)
    """),
    md("""
    The scope: account 23, BTCUSD only. Preview, then execute with a reason and the phrase.
    """),
    code("""\
    plan = apex.preview(apx.CancelScope(account_id=23, instrument_id=1))
    plan
    """),
    code("""\
    result = apex.execute(plan, reason="runaway algo on account 23 flooding BTCUSD",
                          confirm=plan.confirmation_phrase, operator="risk desk, on call",
                          journal=journal)
    result
    """),
    md("""
    The result already warns about collateral. But the algorithm was never switched off, so it keeps
    sending orders after the cancel:
    """),
    code("""\
    late = [sim.place_order(23, 1, side="Buy", quantity=0.1, price=60_500.0) for _ in range(5)]
    journal.close()
    late
    """),
    md("""
    ## Act 2: the post-mortem

    The next morning. We open the journal file as any colleague would, with no access to yesterday's
    Python objects.
    """),
    code("""\
    pm = apx.Journal(journal_path)
    executions = pm.executions()
    executions[["execution_id", "state", "recorded_at", "username", "operator", "scope_text", "reason",
                "mode", "previewed"]]
    """),
    md("""
    One execution. Its state changes are separate rows (the journal is append-only: nothing is ever
    updated). `in_flight` was written *before* the request left.
    """),
    code("""\
    execution_id = executions["execution_id"].iloc[-1]
    pm.executions(all_states=True)[["recorded_at", "state"]]
    """),
    md("""
    What was sent, word for word, and what the gateway acknowledged: the instrument key went under both
    spellings, and the ack says nothing about what was cancelled.
    """),
    code("""\
    record = executions.iloc[-1]
    record["payload"], record["ack"]
    """),
    md("""
    ### Timeline

    Intent, send, acknowledgement, each verification poll, done:
    """),
    code("""\
    timeline = pm.timeline(execution_id)
    timeline[["at", "kind"]]
    """),
    code("""\
    plots.incident_timeline(timeline).figure
    """),
    md("""
    ### What was cancelled, and what filled first

    One row per targeted order, with its verified outcome:
    """),
    code("""\
    outcomes = pm.outcomes(execution_id)
    outcomes["outcome"].value_counts()
    """),
    code("""\
    plots.outcome_breakdown(outcomes).figure
    """),
    md("""
    The orders that filled before their cancel landed: the algorithm's trades we could not stop.
    """),
    code("""\
    filled_first = outcomes[outcomes["outcome"] == "filled_before_cancel"]
    print(f"{len(filled_first)} orders filled first, {filled_first['quantity_executed'].sum():.3f} BTC executed")
    filled_first[["order_id", "side", "orig_quantity", "quantity_executed", "final_state"]].head()
    """),
    md("""
    ### Collateral

    Orders **outside** the scope that were cancelled during the execution. We asked for BTCUSD only;
    the gateway ignored the instrument key and took the rest of account 23 with it.
    """),
    code("""\
    collateral = pm.outcomes(execution_id, kind="collateral")
    collateral.groupby(["account_id", "symbol"], observed=True).size()
    """),
    md("""
    ### What survived

    The journal keeps three snapshots of the open orders: at `preview`, just before the send
    (`pre_send`) and after verification (`post_verify`). Before and after, per account:
    """),
    code("""\
    pre = pm.snapshot(execution_id, "pre_send")
    post = pm.snapshot(execution_id, "post_verify")
    plots.before_after_by_account(pre, post, max_accounts=8).figure
    """),
    code("""\
    pre_23 = pre[pre["account_id"] == 23]
    post_23 = post[post["account_id"] == 23]
    print(f"account 23: {len(pre_23)} open before the send, {len(post_23)} open after verification")
    """),
    md("""
    Verification looks at the orders outside the scope once, after the targets settle: a widened
    cancel that lands later can slip past it, and orders that *filled* meanwhile are not collateral
    (we did not cancel them). The journal's `pre_send` snapshot lets us account for every order of
    account 23 today: each one is a target, recorded collateral, still open, or it left the book some
    other way, and the account's order history says how.
    """),
    code("""\
    now_23 = apex.open_orders(account_id=23)
    accounted = set(outcomes["order_id"]) | set(collateral["order_id"]) | set(now_23["order_id"])
    unaccounted = sorted(set(pre_23["order_id"]) - accounted)
    history = apex.order_history(23)
    left_otherwise = history[history["order_id"].isin(unaccounted)]
    late_collateral = left_otherwise[left_otherwise["order_state"] == "Canceled"]
    print(f"{len(unaccounted)} other orders of account 23 left the book during the incident: "
          f"{left_otherwise['order_state'].astype(str).value_counts().to_dict()}")
    left_otherwise[["order_id", "symbol", "side", "order_state", "quantity_executed"]]
    """),
    md("""
    And what is open on account 23 **now**: the orders the algorithm sent after the cancel. Cancelling
    orders does not stop an algorithm; switching it off (or disabling its user) does.
    """),
    code("""\
    now_23[["order_id", "symbol", "side", "quantity", "price", "receive_time"]]
    """),
    md(f"""
    ## The incident report

    Tables as CSV, figures as PNG, a short summary, and a copy of the journal itself, in
    `{OUTPUT_DIR}/incident-report/` next to this notebook (git-ignored in the project).
    """),
    code(f"""\
    report = Path("{OUTPUT_DIR}") / "incident-report"
    report.mkdir(parents=True, exist_ok=True)

    tables = {{
        "executions": pm.executions(all_states=True),
        "outcomes": outcomes,
        "collateral": pd.concat([collateral, late_collateral.assign(note="landed after verification")]),
        "timeline": timeline,
        "open-before": pre,
        "open-after": post,
    }}
    for name, frame in tables.items():
        frame.to_csv(report / f"{{name}}.csv", index=False)
    """),
    code("""\
    figures = {
        "timeline": plots.incident_timeline(timeline),
        "outcomes": plots.outcome_breakdown(outcomes),
        "before-after": plots.before_after_by_account(pre, post, max_accounts=8),
        "open-orders-at-detection": plots.open_orders_heatmap(orders, max_accounts=10),
    }
    for name, ax in figures.items():
        ax.figure.savefig(report / f"{name}.png", dpi=120)
    """),
    code("""\
    summary = record["summary"]
    lines = [
        f"# Incident report: execution {execution_id}",
        "",
        f"* Scope: {record['scope_text']} (mode {record['mode']})",
        f"* Who: {record['username']} ({record['operator']}); reason: {record['reason']}",
        f"* Sent at {summary['sent_at']}, verified at {summary['verified_at']}",
        f"* Previewed {summary['previewed']}: canceled {summary['canceled']}, "
        f"filled before cancel {summary['filled_before_cancel']}, still open {summary['still_open']}, "
        f"unknown {summary['unknown']}",
        f"* Collateral: {summary['collateral']} at verification, {len(late_collateral)} more afterwards",
        f"* Other orders of account 23 that left the book meanwhile: {len(left_otherwise) - len(late_collateral)}",
        f"* Open on account 23 after the incident: {len(now_23)} (sent after the cancel)",
    ]
    (report / "summary.md").write_text("\\n".join(lines) + "\\n")
    print("\\n".join(lines))
    """),
    md("""
    Last, the journal itself: close it, then copy the file (closing writes everything into the one
    file).
    """),
    code("""\
    pm.close()
    shutil.copy(journal_path, report / "incident-journal.sqlite")
    apex.close()
    sorted(path.name for path in report.iterdir())
    """),
]

# --------------------------------------------------------------------------------------------------
# 4. Connect to a gateway
# --------------------------------------------------------------------------------------------------
CONNECT = [
    md("""
    # 4 · Connecting to a real gateway

    The first three tutorials used an in-process simulator. A real APEX gateway is an HTTPS URL and a
    user with credentials. This tutorial shows how to connect **without ever putting a secret in a
    notebook**, with two-factor authentication, and how to take a **read-only** first look.

    It never cancels anything.

    It runs against whatever `APEX_URL` names. The demo command (`apex-notebook demo`) starts the
    simulator as a real HTTP server and sets `APEX_URL`, `APEX_USERNAME=viewer` and `APEX_PASSWORD`.
    If `APEX_URL` is not set, the notebook starts that server itself, so it runs anywhere.
    """),
    code("""\
    import dataclasses
    import os
    from contextlib import ExitStack
    from getpass import getpass
    from urllib.parse import urlsplit

    import apex_notebook as apx
    from apex_notebook.config import ENV_VARS, Settings
    """),
    md("""
    ## Where credentials come from

    The client reads these environment variables (and only when you ask it to):
    """),
    code("""\
    ENV_VARS
    """),
    md("""
    Set them in the shell that starts Jupyter, or in your secrets manager's environment, never in a
    cell: a cell is saved in the notebook file, and notebook files get shared. Password login uses
    `APEX_USERNAME`/`APEX_PASSWORD`; API-key login uses `APEX_API_KEY`, `APEX_API_SECRET` and
    `APEX_USER_ID`.

    ## Which gateway? (the demo, or a simulator we start)

    **This is the one branch of the notebook.** With `APEX_URL` set (the demo, or your own gateway),
    we use it. Without it, we start the standalone simulator on 127.0.0.1 and set the variables the
    demo would have set: user `viewer` (read-only on account 9) with the simulator's demo password.
    """),
    code("""\
    cleanup = ExitStack()  # closes whatever this notebook starts, in the last cell

    if os.environ.get("APEX_URL"):
        started_simulator = False
        print("APEX_URL is set: using that gateway.")
    else:
        started_simulator = True
        server = cleanup.enter_context(
            apx.simulator.FakeOMS.seeded(seed=7).serve(host="127.0.0.1", port=0))
        os.environ.update(APEX_URL=server.url, APEX_USERNAME="viewer", APEX_PASSWORD="demo")
        print(f"APEX_URL was not set: started the APEX simulator on {server.url} as user viewer.")
    """),
    md("""
    ## Settings

    `Settings.from_env()` reads the variables. Its `repr` masks every secret. Credentials belong in
    their own variables, never inside the URL (`https://user:password@...`), so we refuse that first:
    """),
    code("""\
    settings = Settings.from_env()
    if urlsplit(settings.base_url).password is not None:
        raise ValueError("APEX_URL contains a password: set APEX_USERNAME/APEX_PASSWORD instead")
    settings
    """),
    md("""
    No password in the environment? Ask for it with `getpass`: it is not echoed and not saved in the
    notebook. (This cell only asks when the environment does not provide one, so it never blocks the
    demo or the test suite.)
    """),
    code("""\
    if settings.username is None and settings.api_key is None:
        settings = dataclasses.replace(settings, username=input("APEX user name: "))
    if settings.password is None and settings.api_key is None:
        settings = dataclasses.replace(settings, password=getpass(f"APEX password for {settings.username}: "))
    print("credentials: from the environment" if os.environ.get("APEX_PASSWORD") else "credentials: typed")
    """),
    md("""
    ## Connect

    `apx.Client.from_env(settings)` logs in. Over real HTTP now: no `transport=`.
    """),
    code("""\
    apex = apx.Client.from_env(settings)
    apex
    """),
    md("""
    First, who are we, and what may we do? `viewer` has `AccountReadOnly`: it can read account 9,
    and nothing else.
    """),
    code("""\
    apex.username, apex.user_id, sorted(apex.permissions), apex.is_operator
    """),
    md("""
    ## A read-only first look

    On a new gateway, or with a new user, start by reading. Which accounts, and your role on each:
    """),
    code("""\
    accounts = apex.accounts()
    accounts
    """),
    code("""\
    orders = apex.open_orders()
    print(f"{len(orders)} open orders in accounts {orders.attrs['accounts_requested']}, "
          f"taken at {orders.attrs['taken_at']:%H:%M:%S} UTC from {orders.attrs['source_url']}")
    """),
    code("""\
    orders.groupby(["symbol", "side"], observed=True).agg(orders=("order_id", "size"),
                                                          notional=("notional", "sum")).round(2)
    """),
    md("""
    A preview only reads, so it is safe with any user, and it tells you whether the gateway would
    let *you* execute the plan. `viewer` may not (and for a plan that cannot run, no snapshot is even
    taken):
    """),
    code("""\
    first_account = int(accounts["account_id"].iloc[0])
    plan = apex.preview(apx.CancelScope(account_id=first_account, instrument_id=apx.ALL))
    print(plan.describe())
    if plan.executable:
        print(f"{plan.count} orders in scope; this user could execute the plan (this tutorial never does)")
    else:
        print(f"executable: {plan.executable}: {plan.refusal}")
    """),
    md("""
    ## Two-factor authentication

    For a user with 2FA, pass `two_factor=`: either the code, or better a function that asks for it.
    The function is called only when the gateway asks for a code:

    ```python
    apex = apx.Client(url, username="me", password=getpass(), two_factor=lambda: getpass("2FA code: "))
    ```

    `Client.from_env()` also reads a code from `APEX_2FA_CODE`.

    The simulator has a 2FA user, `secure`, whose code is always `123456`. We try it only when we are
    talking to a simulator on this machine; against a real gateway the cell does nothing.
    """),
    code("""\
    url = os.environ["APEX_URL"]
    on_simulator = started_simulator or urlsplit(url).hostname in {"127.0.0.1", "localhost", "::1"}

    if on_simulator:
        with apx.Client(url, username="secure", password="demo", two_factor=lambda: "123456") as secure:
            print(f"2FA login ok: {secure.username}, permissions {sorted(secure.permissions)}")
    else:
        print("Not on the simulator: the 2FA demo user does not exist here; skipped.")
    """),
    md("""
    A wrong code is refused with an error that names the problem but never repeats a secret:
    """),
    code("""\
    if on_simulator:
        try:
            apx.Client(url, username="secure", password="demo", two_factor="000000")
        except apx.AuthenticationError as exc:
            print(f"{type(exc).__name__}: {exc}")
    """),
    md("""
    ## Done

    Log out, and stop the simulator if this notebook started one.
    """),
    code("""\
    apex.close()
    cleanup.close()
    apex.logged_in
    """),
]

NOTEBOOKS: dict[str, list[NotebookNode]] = {
    "01_explore_open_orders.ipynb": EXPLORE,
    "02_preview_and_cancel.ipynb": CANCEL,
    "03_incident_postmortem.ipynb": POSTMORTEM,
    "04_connect_to_a_gateway.ipynb": CONNECT,
}


def build(name: str) -> NotebookNode:
    """The notebook ``name``, without outputs, with deterministic cell ids."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    prefix = name[:2]
    cells = []
    for index, source in enumerate(NOTEBOOKS[name]):
        cell = nbformat.from_dict(dict(source))
        cell["id"] = f"nb{prefix}-{index:02d}"
        cells.append(cell)
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def render(name: str) -> str:
    return nbformat.writes(build(name)) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name in NOTEBOOKS:
        path = HERE / name
        text = render(name)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print("stale notebooks (run notebooks/build_notebooks.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
