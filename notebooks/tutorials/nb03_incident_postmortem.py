"""Tutorial 3 · Incident post-mortem: a runaway algorithm, the cancel, and the story from the journal."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode

from .cells import OUTPUT_DIR, code, md

FILENAME = "03_incident_postmortem.ipynb"

CELLS: list[NotebookNode] = [
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
    from apex_notebook.ui import plots
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
    journal = apx.Journal(journal_path, create=True)
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
    The result reads outcome first. Its `headline` is the one line to paste into the incident
    channel; the acknowledgement is in words (APEX's reply only says the request was accepted):
    """),
    code("""\
    print(result.headline)
    print("acknowledgement:", result.summary["ack_status"])
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
