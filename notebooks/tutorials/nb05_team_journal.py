"""Tutorial 5 · A team's journal: two Operators on one journal, and the two-person release."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode

from .cells import OUTPUT_DIR, code, md

FILENAME = "05_team_journal.ipynb"

CELLS: list[NotebookNode] = [
    md("""
    # 5 · A team's journal and the two-person release

    During an incident an operations desk is a team: several people act on the same OMS from several
    laptops, and the post-mortem needs **one** history. Desks also apply the *four-eyes rule* to their
    most dangerous actions: one person prepares, **another** approves.

    This tutorial follows two Operators, `ops` and `ops2`, through one cancel that the desk's policy
    says needs approval: **preview → refused → submit → (no self-approval) → approve → execute →
    report**, all in one shared journal.
    """),
    code("""\
    import html
    from pathlib import Path

    from IPython.display import HTML

    import apex_notebook as apx
    from apex_notebook.simulator.catalog import User
    """),
    md("""
    ## A second Operator on the simulator

    The simulator's demo users have one Operator, `ops`. A desk has several, so we add a second one to
    the simulator's catalog of users: `ops2` (user id 6, Operator, house account 1, the demo password).
    The tests of the two-person release do exactly the same. On a real gateway there is nothing to
    add: `ops2` is simply another APEX user, with their own credentials.
    """),
    code("""\
    sim = apx.simulator.FakeOMS.seeded(seed=7, accounts=20, orders_per_account=10)
    second = User(6, "ops2", "Operator", (1,))
    sim.catalog.users[second.user_id] = second
    sim.catalog.users_by_name[second.name] = second
    sorted(sim.catalog.users_by_name)
    """),
    md(f"""
    ## One journal for the desk

    Here the journal is a SQLite file in `{OUTPUT_DIR}/`, so that this notebook runs anywhere. The
    tutorial starts a new one on every run (it replaces the previous run's file); a real journal is
    never deleted.
    """),
    code(f"""\
    folder = Path("{OUTPUT_DIR}")
    folder.mkdir(exist_ok=True)
    JOURNAL = folder / "05-team-journal.sqlite"
    for leftover in folder.glob("05-team-journal.sqlite*"):   # the file and its -wal/-shm companions
        leftover.unlink()
    journal = apx.Journal(JOURNAL, create=True)
    journal
    """),
    md("""
    A real desk points every notebook at one **PostgreSQL** database instead, with exactly the same
    code: only the location changes. The password is never in the URL or the notebook; libpq finds it
    in `PGPASSWORD`, `~/.pgpass` or a service file (see the README, "A team's journal"):

    ```python
    journal = apx.Journal("postgresql://alice@db.desk.example/apex_journal")
    ```

    Everything below (policy, requests, approvals, executions, refusals, the report) is the same on
    both backends.
    """),
    md("""
    ## Two people, two clients

    Each person logs in as themselves. On two laptops each would open the journal with
    `apx.Journal(...)`; we do the same here, so `ops` and `ops2` hold **two connections to one
    journal**.
    """),
    code("""\
    ops = apx.Client(sim.url, username="ops", password="demo", transport=sim.transport(), journal=journal)
    ops2_journal = apx.Journal(JOURNAL)      # an existing journal: no create=True
    ops2 = apx.Client(sim.url, username="ops2", password="demo", transport=sim.transport(), journal=ops2_journal)
    ops.username, ops2.username, ops2.is_operator
    """),
    md("""
    ## The desk's policy

    The policy says which plans need a second person's approval. It is kept **in the journal**, so
    every notebook on it applies the same rules. This desk asks for approval of every scope over
    `ALL` accounts (a policy can also name plans over N orders, or over a notional per currency).
    Setting it is journalled too: who, when, why.
    """),
    code("""\
    journal.set_policy(apx.ApprovalPolicy(all_accounts=True), by="desk-lead",
                       reason="four eyes on every cancel across ALL accounts")
    ops2_journal.policy().describe()
    """),
    md("""
    ## `ops` prepares an all-accounts cancel

    A runaway strategy floods BTCUSD (instrument 1) across the desk's accounts. `ops` previews the
    cancel of instrument 1 in every account:
    """),
    code("""\
    plan = ops.preview(apx.CancelScope(account_id=apx.ALL, instrument_id=1))
    print(plan.describe())
    print(f"{plan.count} orders in {len(plan.by_account)} accounts")
    """),
    md("""
    `ops` is an Operator and types the phrase correctly, yet execute is refused **before anything is
    sent**. The message says why (the policy), what the journal holds for this plan, and what to do:
    """),
    code("""\
    try:
        ops.execute(plan, reason="runaway strategy on BTCUSD", confirm=plan.confirmation_phrase)
    except apx.ApprovalError as exc:
        print(f"refused: {exc}")
    """),
    md("""
    The panel says the same. After a preview, its approvals view shows the desk's policy, this plan's
    state and the pending requests:
    """),
    code("""\
    panel = apx.CancelPanel(ops, journal=journal)
    panel.set_scope(apx.ALL, 1)
    panel_plan = panel.preview()
    panel
    """),
    md("""
    Fill in the reason, type the phrase and click Execute (driven from code, as in tutorial 2). The
    click is refused, and the panel's banner says why and what to do next:
    """),
    code("""\
    panel.confirm.reason.value = "runaway strategy on BTCUSD"
    panel.confirm.confirm.value = panel_plan.confirmation_phrase
    panel.confirm.execute_button.click()
    print(panel.errors.text)
    """),
    md("""
    ## Submit for approval

    `journal.submit` records a pending request with the plan **frozen as previewed**: its fingerprint
    (the exact order ids), scope, counts, notional and the orders themselves.
    """),
    code("""\
    request_id = journal.submit(plan, reason="runaway strategy on BTCUSD: cancel it in every account")
    journal.requests(state="pending")[["request_id", "submitted_by", "scope_text", "orders", "needs"]]
    """),
    md("""
    Approving your own request defeats the rule, so it is refused, and the attempt is journalled:
    """),
    code("""\
    try:
        journal.approve(request_id, by=ops, reason="I checked it myself")
    except apx.ApprovalError as exc:
        print(f"refused: {exc}")
    """),
    md("""
    ## `ops2` reviews and approves

    On their own laptop and journal connection, `ops2` sees the pending request and the frozen orders:
    exactly what will be cancelled.
    """),
    code("""\
    pending = ops2_journal.requests(state="pending")
    pending[["request_id", "submitted_by", "submit_reason", "orders", "accounts"]]
    """),
    code("""\
    ops2_journal.request_orders(request_id).groupby(["symbol", "side"], observed=True).size()
    """),
    code("""\
    ops2_journal.approve(request_id, by=ops2, reason="checked: only the runaway strategy's BTCUSD orders")
    ops2_journal.requests()[["request_id", "state", "decided_by", "decision_reason"]]
    """),
    md("""
    The approval is bound to this plan's fingerprint: a new preview with other orders needs a new
    approval, and the drift check still runs before the send. It releases **one** execution, by a
    user other than the approver.

    ## `ops` executes
    """),
    code("""\
    result = ops.execute(plan, reason="runaway strategy on BTCUSD (approved by ops2)",
                         confirm=plan.confirmation_phrase)
    print(result.headline)
    """),
    md("""
    ## What the journal shows

    The request is approved and **spent** (used by this execution):
    """),
    code("""\
    journal.requests()[["request_id", "state", "submitted_by", "decided_by", "spent"]]
    """),
    md("""
    Every refused attempt is evidence: the executions refused for want of approval (in code and in
    the panel) and the self-approval.
    """),
    code("""\
    journal.refusals()[["kind", "username", "scope_text"]]
    """),
    md("""
    The executions, with who ran them, whichever connection wrote them:
    """),
    code("""\
    ops2_journal.executions()[["execution_id", "state", "username", "scope_text", "reason"]]
    """),
    md(f"""
    ## The report

    The post-mortem report of this execution (also written to `{OUTPUT_DIR}/05-team-report.html`):
    its refused attempts include the ones that waited for approval, and the hash chain's verdict
    covers the whole shared journal.
    """),
    code(f"""\
    report_html = journal.report(result.execution_id, path=Path("{OUTPUT_DIR}") / "05-team-report.html")
    HTML(f'<div><iframe srcdoc="{{html.escape(report_html)}}" title="execution report" '
         'style="width:100%; height:640px; border:1px solid #ccc"></iframe></div>')
    """),
    md("""
    ## From a terminal

    The second person does not need a notebook: the CLI lists and decides requests, logging in with
    the `APEX_*` variables or a password prompt (`PATH` may also be a `postgresql://` URL):

    ```bash
    apex-notebook journal requests PATH
    apex-notebook journal approve PATH REQUEST_ID --reason "checked the orders"
    ```

    ## Done
    """),
    code("""\
    print(journal.verify())
    ops.close()
    ops2.close()
    ops2_journal.close()
    journal.close()
    """),
]
