"""Tutorial 1 · Explore open orders: snapshot, provenance, slicing, plots and export."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode

from .cells import OUTPUT_DIR, code, md

FILENAME = "01_explore_open_orders.ipynb"

CELLS: list[NotebookNode] = [
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
    from apex_notebook.ui import plots
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
    md("""
    The columns a person reads first come first: ids, account, symbol, side, type, price, stop price,
    quantity, `notional` and its `quote_currency`, state and times; then every other field APEX
    sends, in its documented order. The rows come instrument by instrument, then account by account:
    all of one instrument's orders sit together, which is how a desk reads a book during an incident.
    """),
    code("""\
    orders.head()
    """),
    md("""
    ### Typed columns

    The frame has a declared schema: ids are nullable `Int64` (never floats, never `-1`), low-cardinality
    text is `category`, times are timezone-aware UTC. `notional` is derived: price x remaining quantity
    (stop price for stop-market orders), in the instrument's quote currency, `quote_currency`.
    """),
    code("""\
    orders[["order_id", "account_id", "symbol", "side", "price", "quantity", "notional", "quote_currency",
            "receive_time", "order_state", "is_quote"]].dtypes
    """),
    md("""
    ### Not applicable is missing, never 0

    APEX sends `0` for fields that do not apply: a stop-market order has `Price: 0` (it has no limit
    price), a limit order `StopPrice: 0`, an order that has not traded `AvgPrice: 0`. In the frame
    these are missing values (`NaN`, `<NA>`), so a mean or a minimum is never dragged down by a zero
    that is not a price. The rules, field by field:
    """),
    code("""\
    from apex_notebook.frames.schema import NOT_APPLICABLE

    for column, when in NOT_APPLICABLE.items():
        print(f"{column:24} missing when {when}")
    """),
    md("""
    Per order type, how many orders have a limit price and a stop price, and their mean:
    """),
    code("""\
    orders.groupby("order_type", observed=True)[["price", "stop_price"]].agg(["count", "mean"]).round(2)
    """),
    md("""
    The reply as APEX sent it stays one argument away: `open_orders(raw=True)` (and
    `order_history(..., raw=True)`) builds the same columns without these rules; for records you
    already have, `apex_notebook.frames.tables.orders_frame(records, raw=True)`. Here the first
    stop-market orders of account 9, as sent and as typed:
    """),
    code("""\
    as_sent, typed = apex.open_orders(account_id=9, raw=True), apex.open_orders(account_id=9)
    stops = as_sent["order_type"] == "StopMarket"
    columns = ["order_id", "order_type", "price", "stop_price", "avg_price"]
    pd.concat({"as sent": as_sent.loc[stops, columns].head(3), "typed": typed.loc[stops, columns].head(3)})
    """),
    md("""
    ### Formatted for people

    The frame keeps full precision. To *show* orders, `display_frame` formats them: prices to the
    instrument's precision (its `price_increment`), quantities without trailing zeros, times to the
    second, not-applicable blank. The plan and result views use the same formatting.
    """),
    code("""\
    from apex_notebook.frames.display import display_frame

    display_frame(orders.head(), instruments)
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
    Where the money is. Amounts in different currencies never add up: USD and BTC are not the same
    unit. Total notional per quote currency:
    """),
    code("""\
    orders.groupby("quote_currency", observed=True)["notional"].sum().round(2)
    """),
    md("""
    And per account, one column per quote currency (the ten accounts with the most USD):
    """),
    code("""\
    by_account = orders.pivot_table(index=["account_id", "account_name"], columns="quote_currency",
                                    values="notional", aggfunc="sum", observed=True, fill_value=0.0)
    by_account.nlargest(10, "USD").round(2)
    """),
    md("""
    ## Plots

    The `plots` functions are pure: they take a frame (and optionally a matplotlib `ax`) and return
    the `Axes`. They never touch pyplot's global state. Return `ax.figure` from a cell to see it.

    Open orders by account x instrument; rows and columns with the most orders first (the title says
    when every account has the same count):
    """),
    code("""\
    plots.open_orders_heatmap(orders).figure
    """),
    md("""
    Open notional by instrument, split by side: one panel per quote currency, each on its own scale
    (on one axis, the BTC-quoted LTCBTC bar would be invisible next to the USD ones):
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
    Because every function accepts an `ax`, you can compose your own figures (the notional panels
    share the slot of the `ax` you give; `left` is the first of them):
    """),
    code("""\
    fig = Figure(figsize=(12, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    plots.notional_by_instrument(alpha, ax=left)
    plots.order_age_distribution(alpha, now=taken_at, ax=right)
    fig.suptitle("Account 9")
    right.set_title("Age of open orders")
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
