"""``apex-notebook journal requests|approve|reject``: the two-person release from a terminal (issue 15).

* ``requests PATH [--state pending]`` lists the approval requests and the desk's policy;
* ``approve PATH REQUEST_ID --reason TEXT`` / ``reject ...`` decide one as the APEX user who logs in.

The approver is never a flag: it is the user the gateway logs in, with the ``APEX_*`` variables
(``APEX_URL`` defaults to the request's gateway; ``APEX_USERNAME`` is asked on a terminal when unset) and
the password asked without echo when neither ``APEX_PASSWORD`` nor ``APEX_API_KEY`` is set. Logging in
proves who approves; the gateway must be the request's. The submitter cannot decide their own request.
Declared in ``journal_cli.py``, dispatched by ``journal_verbs.py``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any, Final

import pandas as pd

from apex_notebook.audit.journal import Journal
from apex_notebook.client import Client
from apex_notebook.wire.settings import ENV_VARS, Settings, safe_url

__all__ = ["APPROVAL_VERBS", "run_approval_verb"]

#: The verbs this module runs.
APPROVAL_VERBS: Final = ("requests", "approve", "reject")


def _requests(journal: Journal, state: str | None) -> int:
    found = journal.requests(state=state)
    print(f"policy: {journal.policy().describe()}")
    if found.empty:
        print(f"{journal.path}: no {state or ''} approval requests".replace("  ", " "))
        return 0
    rows = [{"request": r["request_id"], "state": r["state"] + (" (used)" if r["spent"] is True else ""),
             "submitted (UTC)": r["submitted_at"].strftime("%Y-%m-%d %H:%M:%S"), "by": r["submitted_by"],
             "scope": r["scope_text"], "orders": r["orders"],
             "notional": " · ".join(f"{v:,.2f} {k}" for k, v in (r["notional"] or {}).items()) or "-",
             "decided by": r["decided_by"] if isinstance(r["decided_by"], str) else "-",
             "why approval": "; ".join(r["needs"]) or "-"} for r in found.to_dict("records")]
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


def _approver(request: dict[str, Any]) -> Client:
    """Log in the deciding user: ``APEX_*`` variables, the gateway the request was made on, prompts on a tty."""
    env = dict(os.environ)
    env[ENV_VARS["base_url"]] = env.get(ENV_VARS["base_url"]) or str(request["base_url"])
    asking = sys.stdin.isatty()
    if not env.get(ENV_VARS["username"]) and not env.get(ENV_VARS["api_key"]):
        if not asking:
            raise ValueError(f"who is deciding? set {ENV_VARS['username']} (and {ENV_VARS['password']}) or run in "
                             "a terminal to be asked; nothing was written")
        env[ENV_VARS["username"]] = input(f"APEX user deciding request {request['request_id']}: ").strip()
    settings = Settings.from_env(env)
    if not settings.password and not settings.api_key:
        if not asking:
            raise ValueError(f"no credentials: set {ENV_VARS['password']} (or {ENV_VARS['api_key']}/"
                             f"{ENV_VARS['api_secret']}) or run in a terminal to be asked; nothing was written")
        env[ENV_VARS["password"]] = getpass.getpass(f"APEX password for {settings.username} at {settings.base_url}: ")
        settings = Settings.from_env(env)
    return Client.from_env(settings, progress=False)


def _decide(journal: Journal, args: argparse.Namespace) -> int:
    found = journal.requests()
    match = found[found["request_id"] == args.request_id]
    if match.empty:
        raise KeyError(f"no approval request {args.request_id!r} in {journal.path} "
                       "(see `apex-notebook journal requests PATH`)")
    request = {str(k): v for k, v in match.iloc[0].to_dict().items()}
    with _approver(request) as client:
        if safe_url(client.base_url) != request["base_url"]:
            raise ValueError(f"request {args.request_id} was made on {request['base_url']}, but you logged in at "
                             f"{safe_url(client.base_url)}; decide it as a user of that gateway (unset APEX_URL or "
                             "set it to that gateway). Nothing was written")
        decide = journal.approve if args.verb == "approve" else journal.reject
        decide(args.request_id, by=client.username, reason=args.reason)
        who, url = client.username, safe_url(client.base_url)
    print(f"request {args.request_id} {args.verb}d by {who} (logged in at {url}): {request['scope_text']}, "
          f"{request['orders']} orders, submitted by {request['submitted_by']}; reason: {args.reason}")
    return 0


def run_approval_verb(journal: Journal, args: argparse.Namespace) -> int:
    """Run ``requests``, ``approve`` or ``reject`` on an open journal; the exit status (0 on success)."""
    if args.verb == "requests":
        return _requests(journal, args.state)
    return _decide(journal, args)
