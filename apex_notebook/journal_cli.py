"""``apex-notebook journal ...``: read, verify, reconcile, report on and export a journal without a notebook.

Verbs (``PATH`` is a journal file, or a ``postgresql://`` URL for a team journal)::

    apex-notebook journal list PATH                       one line per execution, the integrity verdict
    apex-notebook journal show PATH ID                    one execution: who, when, why, outcome, timeline
    apex-notebook journal report PATH ID [ID ...] -o FILE.html   the post-mortem report (self-contained HTML)
    apex-notebook journal report PATH --since 2026-11-30T09:00 [--until ...] -o FILE.html   a time range
    apex-notebook journal verify PATH                     the hash chain; exit 1 naming the first broken row
    apex-notebook journal reconcile PATH                  finish executions a dead kernel left in flight
    apex-notebook journal export PATH ID --format csv|parquet [-o FOLDER]   one file per table
    apex-notebook journal requests PATH [--state pending]   approval requests and the desk's policy
    apex-notebook journal approve PATH REQUEST_ID --reason TEXT   approve as the APEX user who logs in
    apex-notebook journal reject PATH REQUEST_ID --reason TEXT    reject, likewise

``approve`` and ``reject`` log in to prove who decides (``journal_approval_verbs.py``): the approver is
the logged-in user, never a flag.

``reconcile`` needs the gateway's credentials: from the ``APEX_*`` variables (``Settings.from_env``;
``APEX_URL`` defaults to the gateway the unfinished executions were journalled on, ``APEX_USERNAME`` to
their user), the password asked by a prompt that does not echo when ``APEX_PASSWORD`` / ``APEX_API_KEY``
are not set. There is no flag for a secret: it would end up in the shell history and the process list.

Errors are one line on stderr (what was attempted, what went wrong, what to do); exit status 0 on
success, 1 on failure (a broken journal, a missing file, an unknown id), 2 on a usage error.

This module only declares the arguments (``apex-notebook --help`` stays quick); ``journal_verbs.py`` runs them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_journal_commands"]

_FORMATTER = argparse.ArgumentDefaultsHelpFormatter


def add_journal_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``journal`` and its verbs on the ``apex-notebook`` subcommands."""
    journal = commands.add_parser("journal", help="read, verify, reconcile, report on and export a journal",
                                  description="Post-mortem tools for an apex_notebook journal (a .sqlite file or "
                                              "a postgresql:// URL).", formatter_class=_FORMATTER)
    verbs = journal.add_subparsers(dest="verb", metavar="VERB", required=True)
    path_help = "journal file (or postgresql:// URL)"
    for name, text in (("list", "one line per execution"), ("verify", "check the hash chain (exit 1 if broken)"),
                       ("reconcile", "finish executions left in flight (credentials from APEX_* or a prompt)")):
        verbs.add_parser(name, help=text, description=text, formatter_class=_FORMATTER).add_argument(
            "path", metavar="PATH", help=path_help)
    show = verbs.add_parser("show", help="one execution in words", formatter_class=_FORMATTER)
    show.add_argument("path", metavar="PATH", help=path_help)
    show.add_argument("execution_id", metavar="ID", help="execution id (see `journal list`)")
    report = verbs.add_parser("report", help="the post-mortem report as one HTML file", formatter_class=_FORMATTER)
    report.add_argument("path", metavar="PATH", help=path_help)
    report.add_argument("execution_id", metavar="ID", nargs="*", help="execution id(s); or --since/--until")
    report.add_argument("--since", default=None, help="executions begun at or after this UTC time (ISO 8601)")
    report.add_argument("--until", default=None, help="executions begun before this UTC time (ISO 8601)")
    report.add_argument("-o", "--output", type=Path, default=None, help="HTML file (default: report-ID.html)")
    export = verbs.add_parser("export", help="one file per table of an execution", formatter_class=_FORMATTER)
    export.add_argument("path", metavar="PATH", help=path_help)
    export.add_argument("execution_id", metavar="ID", help="execution id")
    export.add_argument("--format", choices=("csv", "parquet"), default="csv", help="file format")
    export.add_argument("-o", "--output", type=Path, default=None, help="folder (default: export-ID)")
    _add_approval_verbs(verbs, path_help)


def _add_approval_verbs(verbs: argparse._SubParsersAction, path_help: str) -> None:  # type: ignore[type-arg]
    """``requests``, ``approve``, ``reject``: the two-person release (run by ``journal_approval_verbs.py``)."""
    requests = verbs.add_parser("requests", help="approval requests and the desk's policy", formatter_class=_FORMATTER)
    requests.add_argument("path", metavar="PATH", help=path_help)
    requests.add_argument("--state", choices=("pending", "approved", "rejected"), default=None,
                          help="only requests in this state (default: all)")
    for name in ("approve", "reject"):
        text = (f"{name} a pending request as the APEX user who logs in (APEX_* variables or a prompt; "
                "never the submitter)")
        verb = verbs.add_parser(name, help=text, description=text, formatter_class=_FORMATTER)
        verb.add_argument("path", metavar="PATH", help=path_help)
        verb.add_argument("request_id", metavar="REQUEST_ID", help="request id (see `journal requests`)")
        verb.add_argument("--reason", required=True, help="why (journalled with the decision)")
