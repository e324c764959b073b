"""The post-mortem report: one self-contained HTML file per execution (or per set of executions).

``journal.report(execution_id)`` (``Journal.report`` delegates to :func:`render_report`) gives a page
to hand to a risk committee: the outcome in one line, who/when/why/where, the scope in words and the
plan (counts, notional per quote currency, never summed across currencies), the timeline as a figure,
the outcomes by class with their tables, what filled first, what survived, the refused attempts before
it, the journal's integrity verdict and how to reproduce every number. Several executions
(``journal.report([id1, id2])`` or ``journal.report(since=..., until=...)``) give one page with an
overview first and then each execution in turn.

Self-contained: inline CSS (screen and A4 print, a page break before the long sections) and inline
SVG figures (``svg.py``; no matplotlib in this layer, no scripts, no external assets), so the file
opens offline and prints as is. Every value is HTML-escaped. The gateway URL is journalled without
credentials, so none can appear.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from apex_notebook.audit import report_sections as sections
from apex_notebook.audit.report_facts import Facts, JournalReader, gather
from apex_notebook.audit.report_html import STYLE, esc, frame_table, note
from apex_notebook.cancel.result import CancelResult, empty_result_frame

__all__ = ["headline_of", "render_report", "select_executions", "write_report"]


def headline_of(record: Mapping[str, Any]) -> str:
    """An execution's outcome in one line from its latest journal row, as the result said it
    (``NOT OK: 2 unplanned, ...``); the summary holds every count the headline needs.
    """
    if record.get("state") != "done":
        return (f"NOT FINISHED: the latest state is {record.get('state')}; the outcome was never verified "
                "(run `apex-notebook journal reconcile` against the same gateway)")
    summary = record.get("summary")
    empty = empty_result_frame()
    return CancelResult(str(record.get("execution_id")), empty, empty,
                        dict(summary) if isinstance(summary, Mapping) else {}).headline


def select_executions(journal: JournalReader, *, since: object = None, until: object = None) -> list[str]:
    """Execution ids whose intent was journalled in ``[since, until)`` (UTC; either bound may be None)."""
    states = journal.executions(all_states=True)
    starts = states.drop_duplicates("execution_id", keep="first")
    keep = pd.Series(True, index=starts.index)
    for bound, after in ((since, True), (until, False)):
        if bound is not None:
            try:
                stamp = pd.Timestamp(bound)  # type: ignore[arg-type]
            except (TypeError, ValueError) as exc:
                raise ValueError(f"since/until must be a time (ISO 8601 such as 2026-11-30T09:00, UTC unless it "
                                 f"says otherwise), not {bound!r}") from exc
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
            keep &= (starts["recorded_at"] >= stamp) if after else (starts["recorded_at"] < stamp)
    return [str(e) for e in starts.loc[keep, "execution_id"]]


def _execution_html(facts: Facts) -> str:
    head = headline_of(facts.record)
    kind = "verdict ok" if head.startswith("verified OK") else "verdict bad"
    intro = (f'<h1 id="x-{escape(facts.execution_id)}">Execution {escape(facts.execution_id)}</h1>'
             f'<p class="muted">{esc(facts.record.get("scope_text"))} · reason: {esc(facts.record.get("reason"))}</p>'
             + note(head, kind))
    parts = [sections.who_when_why(facts), sections.scope_and_plan(facts), sections.timeline(facts),
             sections.outcomes(facts), sections.filled_first(facts), sections.survived(facts),
             sections.refused(facts), sections.integrity(facts), sections.reproduce(facts)]
    return f'<article class="execution">{intro}{"".join(parts)}</article>'


def _overview(all_facts: Sequence[Facts]) -> str:
    rows = pd.DataFrame([{"execution_id": f.execution_id, "started": f.states["recorded_at"].iloc[0],
                          "user": f.record.get("username"), "operator": f.record.get("operator"),
                          "scope": f.record.get("scope_text"), "reason": f.record.get("reason"),
                          "state": f.record.get("state"), "outcome": headline_of(f.record)} for f in all_facts])
    columns = {"execution_id": "execution", "started": "intent (UTC)", "user": "user", "operator": "operator",
               "scope": "scope", "reason": "reason", "state": "state", "outcome": "outcome"}
    return f'<section id="overview"><h2>{len(all_facts):,} executions</h2>{frame_table(rows, columns)}</section>'


def _page(title: str, body: str, path: str) -> str:
    generated = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M:%S")
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
            f'<p class="muted small">Incident report from the apex_notebook journal {escape(path)} · generated '
            f"{generated} UTC</p>{body}</body></html>")


def render_report(journal: JournalReader, execution_ids: str | Sequence[str]) -> str:
    """The HTML report of one execution id (or of several, with an overview first)."""
    ids = [execution_ids] if isinstance(execution_ids, str) else list(execution_ids)
    if not ids:
        raise ValueError(f"no execution to report on in {journal.path} (the selection is empty); "
                         "`apex-notebook journal list PATH` lists them")
    verdict = journal.verify()  # one verdict for the whole journal, read once
    all_facts = [gather(journal, eid, verdict=verdict) for eid in ids]
    body = "".join(_execution_html(f) for f in all_facts)
    if len(all_facts) > 1:
        body = _overview(all_facts) + body
        title = f"Incident report: {len(all_facts)} executions"
    else:
        title = f"Incident report: execution {ids[0]}"
    return _page(title, body, str(journal.path))


def write_report(html: str, path: str | os.PathLike[str]) -> Path:
    """Write ``html`` to ``path`` (UTF-8), creating its folder; returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target
