"""Tutorial 3 · Incident post-mortem: a runaway algorithm, the cancel, and the story from the journal."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode

from .cells import OUTPUT_DIR, code, md

FILENAME = "03_incident_postmortem.ipynb"

CELLS: list[NotebookNode] = [
    md("""
    # 3 · Incident post-mortem

    An incident in two acts.

    1. **The incident.** A trading algorithm on account 23 runs away and floods BTCUSD with orders. It
       is never switched off, so it keeps sending orders while we cancel. The gateway is under stress:
       cancels land late, some orders fill before their cancel arrives, and (as some gateways do) it
       ignores the instrument key of `CancelAllOrders`. We act.
    2. **The post-mortem.** The next morning, from the journal alone, we rebuild the story: when each
       step happened, what was cancelled, what filled first, what arrived too late to be previewed,
       what else got hit, what survived; then we write the incident report for the risk committee.

    The incident is replayed on the simulator, so you can run it as often as you like.
    """),
    code("""\
    %matplotlib inline
    import html
    import random
    import tempfile
    from pathlib import Path

    import pandas as pd
    from IPython.display import HTML
    from matplotlib.figure import Figure

    import apex_notebook as apx
    from apex_notebook.ui import plots
    """),
    code("""\
    sim = apx.simulator.FakeOMS.seeded(seed=7)
    apex = apx.Client(sim.url, username="ops", password="demo", transport=sim.transport())
    """),
    md("""
    ## Act 1: the incident

    The runaway algorithm: bursts of BTCUSD orders on account 23 (`sim.place_order` plays the
    market). The first burst is 240 orders.
    """),
    code("""\
    rng = random.Random(23)

    def burst(n):
        \"\"\"The runaway algorithm sends n BTCUSD orders on account 23; their order ids.\"\"\"
        return [sim.place_order(23, 1, side=rng.choice(["Buy", "Sell"]), quantity=round(rng.uniform(0.01, 0.5), 3),
                                price=round(rng.uniform(60_000, 61_000), 1)) for _ in range(n)]

    runaway = burst(240)
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
    ### The gateway under stress, the algorithm still running

    Three simulator switches reproduce what makes real incidents messy:

    * `cancel_delay`: the cancels of one `CancelAllOrders` land over 1.5 seconds, not at once;
    * `fill_race`: 10% of the orders being cancelled fill before their cancel arrives;
    * `instrument_key = "none"`: this gateway ignores the instrument key, so a cancel of one
      instrument widens to every instrument of the account. The client cannot prevent what a gateway
      does, but it detects it: verification reports **collateral**.
    """),
    code("""\
    sim.config.cancel_delay = 1.5
    sim.config.fill_race = 0.10
    sim.config.instrument_key = "none"
    sim.config
    """),
    md("""
    The algorithm keeps sending. To replay its timing exactly, we let it fire a burst of 6 orders in
    the instant between the pre-send drift check and the moment `CancelAllOrders` leaves, and 4 more
    right after the request has left (a simulation device: we wrap the client's send step).
    """),
    code("""\
    send = apex.send_cancel_all
    bursts = {}

    def send_while_the_algorithm_runs(plan):
        bursts["before the send"] = burst(6)     # after the drift check: nobody previewed these
        reply = send(plan)
        bursts["after the send"] = burst(4)      # after the request: the cancel does not cover them
        return reply

    apex.send_cancel_all = send_while_the_algorithm_runs
    """),
    md("""
    ### Act, with a journal

    The journal of this replayed incident goes to a temporary folder (the report at the end keeps a
    copy).
    """),
    code("""\
    journal_path = Path(tempfile.mkdtemp(prefix="apex-incident-")) / "incident-journal.sqlite"
    journal = apx.Journal(journal_path, create=True)
    """),
    md("""
    The scope: account 23, BTCUSD only. Preview:
    """),
    code("""\
    plan = apex.preview(apx.CancelScope(account_id=23, instrument_id=1))
    plan
    """),
    md("""
    Under pressure, the first attempt has a typo in the phrase. It is refused, nothing is sent, and
    the refusal is journalled (the post-mortem will show it):
    """),
    code("""\
    try:
        apex.execute(plan, reason="runaway algo on account 23 flooding BTCUSD",
                     confirm=plan.confirmation_phrase.lower(), journal=journal)
    except apx.ConfirmationError as error:
        print("refused:", error)
    """),
    code("""\
    result = apex.execute(plan, reason="runaway algo on account 23 flooding BTCUSD",
                          confirm=plan.confirmation_phrase, operator="risk desk, on call",
                          journal=journal)
    result
    """),
    md("""
    The result reads outcome first. Its `headline` is the one line to paste into the incident
    channel: it already says that orders nobody previewed were cancelled (**unplanned**) and that
    the cancel hit other instruments (**collateral**).
    """),
    code("""\
    print(result.headline)
    print("acknowledgement:", result.summary["ack_status"])
    journal.close()
    """),
    md("""
    ## Act 2: the post-mortem

    The next morning. We open the journal file as any colleague would, with no access to yesterday's
    Python objects. Its repr ends with the integrity verdict of its hash chain.
    """),
    code("""\
    pm = apx.Journal(journal_path)
    pm
    """),
    code("""\
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
    And the attempt refused before it:
    """),
    code("""\
    pm.refusals()[["at", "kind", "phrase_matched", "message"]]
    """),
    md("""
    ### Timeline

    Intent, send, acknowledgement, each verification poll, the collateral checks, done:
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

    One row per targeted (previewed) order, with its verified outcome:
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
    ### Unplanned: cancelled, in scope, never previewed

    The burst that arrived between the drift check and the send: in the scope (account 23, BTCUSD),
    so the gateway cancelled it, but nobody saw it in the preview. The journal's `pre_send` snapshot
    (the accounts' whole state just before the send) shows they were not there yet.
    """),
    code("""\
    unplanned = pm.outcomes(execution_id, kind="unplanned")
    pre = pm.snapshot(execution_id, "pre_send")
    print(f"{len(unplanned)} unplanned orders; in the pre-send snapshot: "
          f"{unplanned['order_id'].isin(pre['order_id']).sum()}; "
          f"the runaway's burst before the send: {sorted(bursts['before the send']) == sorted(unplanned['order_id'])}")
    unplanned[["order_id", "symbol", "side", "orig_quantity", "final_state", "verified_at"]]
    """),
    md("""
    ### Collateral: cancelled outside the scope

    We asked for BTCUSD only; the gateway ignored the instrument key and took the rest of account 23
    with it. The `collateral` snapshot holds each order's price as read after the cancel, so the
    notional cancelled is known, per quote currency (never one sum across currencies).
    """),
    code("""\
    collateral = pm.outcomes(execution_id, kind="collateral")
    read_after = pm.snapshot(execution_id, "collateral").set_index("order_id")
    instruments = pre.drop_duplicates("instrument_id").set_index("instrument_id")  # symbol, quote currency
    collateral["price"] = collateral["order_id"].map(read_after["price"].fillna(read_after["stop_price"]))
    collateral["quote_currency"] = collateral["instrument_id"].map(instruments["quote_currency"])
    collateral["notional"] = collateral["price"] * (collateral["orig_quantity"] - collateral["quantity_executed"])
    collateral.groupby(["quote_currency", "symbol"], observed=True).agg(
        orders=("order_id", "size"), notional=("notional", "sum")).round(2)
    """),
    md("""
    ### Before and after, per account and instrument

    The journal keeps the whole state of the scope's accounts just before the send (`pre_send`, all
    instruments) and after verification (`post_verify`). Before and after, per instrument of
    account 23:
    """),
    code("""\
    post = pm.snapshot(execution_id, "post_verify")
    post["symbol"] = post["symbol"].fillna(post["instrument_id"].map(instruments["symbol"]))
    counts = pd.DataFrame({
        "before the send": pre.groupby(["account_id", "symbol"], observed=True).size(),
        "after verification": post.groupby(["account_id", "symbol"], observed=True).size(),
    }).fillna(0).astype(int).sort_values("before the send")
    counts.index = [f"account {a} · {s}" for a, s in counts.index]
    figure = Figure(figsize=(8, 4), layout="constrained")
    ax = counts.plot.barh(ax=figure.subplots(), color=["#457b9d", "#e9c46a"], width=0.8)
    for bars in ax.containers:
        ax.bar_label(bars, padding=3)
    ax.set_xlabel("open orders")
    ax.set_title("Account 23: open orders before the send and after verification")
    ax.legend(loc="lower right")
    figure
    """),
    md("""
    Every order of account 23 is accounted for. Orders open after verification that were not open
    before the send are **late arrivals** (the burst after the request left: the cancel does not
    cover them). Orders open before that are in no outcome class and not open after **left the book
    some other way**; the account's order history says how.
    """),
    code("""\
    accounted = set(outcomes["order_id"]) | set(unplanned["order_id"]) | set(collateral["order_id"])
    late = post[~post["order_id"].isin(pre["order_id"])]
    left = pre[~pre["order_id"].isin(set(post["order_id"]) | accounted)]
    history = apex.order_history(23)
    how = history[history["order_id"].isin(left["order_id"])].drop_duplicates("order_id")
    print(f"late arrivals: {len(late)} (the burst after the send: "
          f"{sorted(late['order_id']) == sorted(bursts['after the send'])}); "
          f"left the book otherwise: {len(left)}: {how['order_state'].astype(str).value_counts().to_dict()}")
    late[["order_id", "symbol", "side", "quantity", "price", "receive_time"]]
    """),
    md("""
    Cancelling orders does not stop an algorithm; switching it off (or disabling its user) does.

    ### Is the record intact?

    Every row of the journal is chained by a hash of its content and of the row before it:
    """),
    code("""\
    verdict = pm.verify()
    print(verdict)
    """),
    md(f"""
    ## The incident report

    One self-contained HTML file for the risk committee (tables and figures inline: it opens offline
    and prints on A4), the tables as CSV, a short summary, and a consistent copy of the journal, in
    `{OUTPUT_DIR}/incident-report/` next to this notebook (git-ignored in the project). The same from a
    terminal: `apex-notebook journal report PATH ID -o report.html`.
    """),
    code(f"""\
    report_dir = Path("{OUTPUT_DIR}") / "incident-report"
    report_dir.mkdir(parents=True, exist_ok=True)
    report_html = pm.report(execution_id, path=report_dir / "incident-report.html")
    tables = pm.export(execution_id, report_dir / "tables", format="csv")
    [path.name for path in tables]
    """),
    code("""\
    summary = record["summary"]
    lines = [
        f"# Incident report: execution {execution_id}",
        "",
        f"* Outcome: {result.headline}",
        f"* Scope: {record['scope_text']} (mode {record['mode']})",
        f"* Who: {record['username']} ({record['operator']}); reason: {record['reason']}",
        f"* Sent at {summary['sent_at']}, verified at {summary['verified_at']}",
        f"* Previewed {summary['previewed']}: canceled {summary['canceled']}, "
        f"filled before cancel {summary['filled_before_cancel']}, still open {summary['still_open']}",
        f"* Unplanned: {summary['unplanned']} (arrived after the drift check)",
        f"* Collateral: {summary['collateral']} orders outside the scope",
        f"* Late arrivals still open after verification: {len(late)}",
        f"* Journal: {verdict}",
    ]
    (report_dir / "summary.md").write_text("\\n".join(lines) + "\\n")
    print("\\n".join(lines))
    """),
    md("""
    Last, the journal itself. Copy it with `backup()` (a consistent copy even while someone writes to
    it; a plain file copy can miss the newest rows), which verifies the copy:
    """),
    code("""\
    copy = report_dir / "incident-journal.sqlite"
    copy.unlink(missing_ok=True)  # backup() writes a new file (a rerun replaces the last copy)
    print(pm.backup(copy))
    pm.close()
    apex.close()
    sorted(path.name for path in report_dir.iterdir())
    """),
    md("""
    The report, as the risk committee will read it:
    """),
    code("""\
    HTML(f'<div><iframe srcdoc="{html.escape(report_html)}" title="incident report" '
         'style="width:100%;height:640px;border:1px solid #ccc"></iframe></div>')
    """),
]
