"""Tutorial 4 · Connect to a real gateway: credentials from the environment, 2FA, read-only first look."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode

from .cells import code, md

FILENAME = "04_connect_to_a_gateway.ipynb"

CELLS: list[NotebookNode] = [
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
    from apex_notebook.wire.settings import ENV_VARS, Settings
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
    orders.groupby(["symbol", "quote_currency", "side"], observed=True).agg(
        orders=("order_id", "size"), notional=("notional", "sum")).round(2)
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
