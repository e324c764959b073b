"""The verbs of ``apex-notebook journal`` (declared in ``journal_cli.py``): list, show, report, verify,
reconcile, export. :func:`run_journal` runs one and returns the exit status; errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from apex_notebook.audit.export import export_execution
from apex_notebook.audit.journal import Journal, ReconcileSkippedWarning
from apex_notebook.audit.report import headline_of, select_executions
from apex_notebook.audit.report_facts import gather
from apex_notebook.audit.report_timeline import event_words
from apex_notebook.client import Client
from apex_notebook.journal_approval_verbs import APPROVAL_VERBS, run_approval_verb
from apex_notebook.wire.errors import ApexError
from apex_notebook.wire.settings import ENV_VARS, Settings

__all__ = ["run_journal"]

_MISSING_HINT = ("; a journal is written by Client.execute (apex-journal.sqlite in the notebook's working folder) "
                 "-- pass the path of that file")


def _fail(message: str) -> int:
    print(f"apex-notebook journal: {message}", file=sys.stderr)
    return 1


def _list(journal: Journal) -> int:
    latest = journal.executions()
    if latest.empty:
        print(f"{journal.path}: no executions yet")
    else:
        starts = journal.executions(all_states=True).drop_duplicates("execution_id")
        begun = dict(zip(starts["execution_id"], starts["recorded_at"], strict=True))
        records = [{str(k): v for k, v in r.items()} for r in latest.to_dict("records")]
        rows = [{"execution": r["execution_id"], "intent (UTC)": begun[r["execution_id"]].strftime("%Y-%m-%d %H:%M:%S"),
                 "state": r["state"], "user": r["username"], "scope": r["scope_text"], "outcome": headline_of(r)}
                for r in records]
        print(pd.DataFrame(rows).to_string(index=False))
    print(f"{len(journal.refusals())} refused attempts; {journal.verify()}")
    return 0


def _show(journal: Journal, eid: str) -> int:
    facts = gather(journal, eid)
    r, s = facts.record, facts.summary
    lines = [f"execution {eid} in {facts.path}", f"  outcome: {headline_of(r)}",
             f"  scope: {r.get('scope_text')} (mode {r.get('mode')})",
             f"  who: {r.get('username')} (operator {r.get('operator')}) on {r.get('base_url')}, OMS {r.get('oms_id')}",
             f"  reason: {r.get('reason')}", f"  states: {' -> '.join(map(str, facts.states['state']))}",
             "  counts: " + ", ".join(f"{k.replace('_', ' ')} {s.get(k, 0)}" for k in (
                 "previewed", "canceled", "filled_before_cancel", "still_open", "unknown", "unplanned", "collateral")),
             f"  refused attempts before it: {len(facts.refusals)}", "  timeline:"]
    for at, kind, detail in zip(facts.timeline["at"], facts.timeline["kind"], facts.timeline["detail"], strict=True):
        lines.append(f"    {at.strftime('%H:%M:%S.%f')[:-3]}  {kind:<10} {event_words(str(kind), detail)}")
    lines.append(f"  journal: {facts.verdict}")
    print("\n".join(lines))
    return 0


def _verify(journal: Journal) -> int:
    verdict = journal.verify()
    if verdict.ok:
        print(f"{journal.path}: {verdict}")
        return 0
    return _fail(f"{journal.path} is NOT intact: {verdict}")


def _client_for(journal: Journal) -> Client:
    """A client from ``APEX_*`` (gateway and user default to the unfinished executions'), password by prompt."""
    latest = journal.executions()
    waiting = latest[latest["state"] != "done"]
    env = dict(os.environ)
    if not env.get(ENV_VARS["base_url"]) and len(waiting):
        env[ENV_VARS["base_url"]] = str(waiting["base_url"].iloc[0])
    if not env.get(ENV_VARS["username"]) and len(waiting):
        env[ENV_VARS["username"]] = str(waiting["username"].iloc[0])
    settings = Settings.from_env(env)
    if not settings.password and not settings.api_key:
        if not sys.stdin.isatty():
            raise ValueError(f"no credentials: set {ENV_VARS['password']} (or {ENV_VARS['api_key']}/"
                             f"{ENV_VARS['api_secret']}) or run in a terminal to be asked; nothing was read or sent")
        env[ENV_VARS["password"]] = getpass.getpass(f"APEX password for {settings.username} at {settings.base_url}: ")
        settings = Settings.from_env(env)
    return Client.from_env(settings, progress=False)


def _reconcile(journal: Journal) -> int:
    waiting = journal.in_flight()
    if not waiting:
        print(f"{journal.path}: nothing to reconcile (every execution is done)")
        return 0
    print(f"{len(waiting)} execution(s) not done: {', '.join(waiting)}; verifying against the gateway "
          "(nothing is re-sent)...", file=sys.stderr)
    with _client_for(journal) as client, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReconcileSkippedWarning)
        results = journal.reconcile(client)
    for result in results:
        print(f"reconciled {result.execution_id}: {result.headline}")
    skipped = [w for w in caught if issubclass(w.category, ReconcileSkippedWarning)]
    for warning in skipped:
        print(f"left unfinished: {warning.message}", file=sys.stderr)
    return 1 if skipped else 0


def _report(journal: Journal, args: argparse.Namespace) -> int:
    ids = list(args.execution_id)
    if ids and (args.since or args.until):
        raise ValueError("give execution ids or --since/--until, not both")
    if not ids:
        if not (args.since or args.until):
            raise ValueError("name the execution(s) to report on (IDs from `apex-notebook journal list PATH`) "
                             "or a time range with --since/--until")
        ids = select_executions(journal, since=args.since, until=args.until)
    target = args.output or Path(f"report-{ids[0] if len(ids) == 1 else 'executions'}.html")
    journal.report(ids, path=target)
    print(f"wrote {target} ({len(ids)} execution{'s' if len(ids) != 1 else ''}); open it in a browser or print it")
    return 0


def _export(journal: Journal, eid: str, fmt: str, output: Path | None) -> int:
    folder = output or Path(f"export-{eid}")

    def bar(names: Iterable[str]) -> Iterable[str]:
        return tqdm(names, desc=f"export {eid}", unit="table", file=sys.stderr, leave=False)

    paths = export_execution(journal, eid, folder, fmt, progress=bar)
    print("\n".join(str(p) for p in paths))
    return 0


def run_journal(args: argparse.Namespace) -> int:
    """Run one ``journal`` verb; the exit status (errors printed as one line on stderr)."""
    try:
        with Journal(args.path) as journal:
            if args.verb == "list":
                return _list(journal)
            if args.verb == "show":
                return _show(journal, args.execution_id)
            if args.verb == "verify":
                return _verify(journal)
            if args.verb == "reconcile":
                return _reconcile(journal)
            if args.verb == "report":
                return _report(journal, args)
            if args.verb in APPROVAL_VERBS:
                return run_approval_verb(journal, args)
            return _export(journal, args.execution_id, args.format, args.output)
    except ApexError as error:
        text = str(error)
        return _fail(text + (_MISSING_HINT if "does not exist" in text else ""))
    except KeyError as error:
        return _fail(str(error.args[0]) if error.args else str(error))
    except (ValueError, ImportError, OSError) as error:
        return _fail(f"{args.verb} failed: {error}")
