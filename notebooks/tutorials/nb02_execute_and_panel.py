"""Tutorial 2, second half: execute with a journal, verify, and drive the cancel panel."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode

from .cells import OUTPUT_DIR, code, md

EXECUTE_AND_PANEL: list[NotebookNode] = [
    md("""
    You can re-preview (usual) or pass `accept_drift=True` (recorded in the journal). We preview again.

    ## Execute, in code

    Every execution is written to a **journal**, an append-only SQLite file whose rows are chained by
    hashes (`journal.verify()` names the first row anyone changed): the intent is written *before* the
    request leaves, the acknowledgement and the verified outcome after. Refused attempts are recorded
    too. Ours lives next to this notebook.
    """),
    code(f"""\
    Path("{OUTPUT_DIR}").mkdir(exist_ok=True)
    journal = apx.Journal(Path("{OUTPUT_DIR}") / "apex-journal.sqlite", create=True)
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
        apex.execute(plan, reason="tutorial", confirm="yes", journal=journal)
    except apx.ConfirmationError as exc:
        print(f"refused: {exc}")
    """),
    md("""
    Nothing was sent, but the attempt is evidence: the journal keeps it (without what was typed).
    """),
    code("""    journal.refusals()[["kind", "scope_text", "phrase_matched"]]
    """),
    md("""
    Now for real. After the send, the client does not trust the acknowledgement: it **verifies**,
    reading the gateway's order history over the execution window until every previewed order is
    final, and it accounts for every *other* order cancelled in that window.
    """),
    code("""\
    result = apex.execute(plan, reason="tutorial: cancel account 9's BTCUSD orders",
                          confirm=plan.confirmation_phrase, journal=journal)
    result
    """),
    md("""
    The summary is modelled on FIX's mass-cancel report: how many were previewed, affected, cancelled,
    filled first, still open, unknown, any **unplanned** orders (in the scope but not previewed: they
    arrived after the last check, yet the gateway cancelled them) and any **collateral** (orders
    outside the scope that were cancelled). Either makes the result not OK.
    """),
    code("""\
    {key: result.summary[key] for key in ("previewed", "affected", "canceled", "filled_before_cancel",
                                          "still_open", "unknown", "unplanned", "collateral", "ack_status")}
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
