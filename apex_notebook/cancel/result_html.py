"""How a :class:`~apex_notebook.cancel.result.CancelResult` reads: headline first, then the evidence.

* :func:`headline`: one line, the outcome first -- ``verified OK: 37 canceled`` or
  ``NOT OK: 2 unplanned, 1 collateral, 3 still open; 31 canceled`` (unplanned, collateral and still
  open first: they are what someone must act on).
* :func:`ack_words`: the acknowledgement in words (``acknowledged``, ``refused by APEX: <msg>
  (errorcode N)``, ``reply lost -- verified instead``, ``nothing to cancel: no request sent``).
* :func:`result_repr` / :func:`result_html`: the text and notebook views. The HTML shows the
  headline as a banner, the execution id and the journal path, the ack, the coverage note, the
  counts, then the per-order table with ``outcome`` first (formatted for people).

Keys the summary may or may not have yet (``unplanned``, ``coverage_complete``, ``coverage_note``)
and ``journal_path`` are shown when present and never required.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pandas as pd

from apex_notebook.frames import html as hp

__all__ = ["ResultLike", "ack_words", "count_of", "headline", "result_html", "result_repr"]

#: Counts shown in the summary table, in this order (those the summary has).
_COUNT_KEYS = ("previewed", "affected", "canceled", "filled_before_cancel", "still_open", "unknown", "unplanned",
               "collateral")
_DETAIL_KEYS = ("mode", "drift_accepted", "verify_seconds", "polls", "coverage_complete")


class ResultLike(Protocol):
    """What the views read from a result (``CancelResult`` provides it)."""

    @property
    def execution_id(self) -> str:
        """The execution's id."""

    @property
    def orders(self) -> pd.DataFrame:
        """One row per targeted order, with its outcome."""

    @property
    def collateral(self) -> pd.DataFrame:
        """Orders outside the scope that were cancelled."""

    @property
    def summary(self) -> dict[str, Any]:
        """Counts, ack, mode, timings."""

    @property
    def description(self) -> str:
        """The scope in words."""

    @property
    def ok(self) -> bool:
        """Verified as intended."""


def count_of(summary: Mapping[str, Any], key: str) -> int:
    """A count from the summary: an int, or the length of a list of ids; 0 when absent."""
    value = summary.get(key, 0)
    if isinstance(value, list | tuple | set | frozenset):
        return len(value)
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def ack_words(summary: Mapping[str, Any]) -> str:
    """The acknowledgement in words, from ``ack_status`` / ``ack_errorcode`` / ``ack_errormsg``."""
    status = summary.get("ack_status")
    code, message = summary.get("ack_errorcode"), summary.get("ack_errormsg")
    if status == "ok":
        return "acknowledged"
    if status == "noop":
        return "nothing to cancel: no request sent"
    if status == "unknown":
        why = f" ({message})" if message else ""
        return f"reply lost{why} — verified instead"
    if status == "error":
        said = str(message) if message else "no message"
        return f"refused by APEX: {said}" + (f" (errorcode {code})" if code is not None else "")
    if status == "partial":
        return f"partly acknowledged: {message or 'some requests failed'} — verified instead"
    return f"no acknowledgement recorded ({status})" if status else "no acknowledgement recorded"


def headline(result: ResultLike) -> str:
    """One line, outcome first: ``verified OK: 37 canceled`` or ``NOT OK: 3 still open, ...``."""
    s = result.summary
    done = f"{count_of(s, 'canceled')} canceled"
    if count_of(s, "filled_before_cancel"):
        done += f", {count_of(s, 'filled_before_cancel')} filled before the cancel"
    problems = [f"{count_of(s, key)} {words}" for key, words in (
        ("unplanned", "unplanned"), ("collateral", "collateral"), ("still_open", "still open"),
        ("unknown", "unknown")) if count_of(s, key)]
    if s.get("collateral_complete") is False:
        problems.append("collateral check incomplete")
    if s.get("coverage_complete") is False:
        problems.append("coverage incomplete")
    if s.get("ack_status") not in {"ok", "noop"}:
        problems.append(ack_words(s))
    if result.ok and not problems:
        if s.get("ack_status") == "noop":
            return "verified OK: nothing to cancel (no request sent)"
        return f"verified OK: {done}"
    return "NOT OK: " + ", ".join(problems or ["see the outcomes"]) + f"; {done}"


def _journal(result: ResultLike) -> str | None:
    path = getattr(result, "journal_path", None)
    return str(path) if path else None


def result_repr(result: ResultLike) -> str:
    """The text repr: headline, ack, counts, journal."""
    s = result.summary
    counts = ", ".join(f"{key.replace('_', ' ')} {count_of(s, key)}" for key in _COUNT_KEYS
                       if key in s and key != "affected")
    journal = _journal(result)
    where = f"; journal {journal}" if journal else ""
    return f"<CancelResult {result.execution_id}: {headline(result)}; ack: {ack_words(s)}; {counts}{where}>"


def _banners(result: ResultLike) -> list[str]:
    esc, s = hp.esc, result.summary
    words = headline(result)
    style = hp.GREEN if words.startswith("verified OK") else hp.RED
    parts = [hp.banner(style, f"<b>{esc(words)}</b>")]
    if count_of(s, "collateral"):
        parts.append(hp.banner(hp.RED, f"COLLATERAL: {count_of(s, 'collateral')} orders outside the scope were "
                                       "canceled (the gateway widened the cancel); tell their owners."))
    if count_of(s, "unplanned"):
        parts.append(hp.banner(hp.RED, f"UNPLANNED: {count_of(s, 'unplanned')} orders in scope that the preview "
                                       "did not list were canceled."))
    if s.get("collateral_complete") is False:
        parts.append(hp.banner(hp.AMBER, "Collateral check INCOMPLETE: some accounts could not be read "
                                         f"({esc(s.get('collateral_unchecked'))[:300]}); check them with "
                                         "order_history()."))
    if s.get("coverage_note"):
        style = hp.AMBER if s.get("coverage_complete") is False else hp.GREEN
        parts.append(hp.banner(style, f"Coverage: {esc(s['coverage_note'])}"))
    return parts


def result_html(result: ResultLike) -> str:
    """The notebook view: headline banner, ids and journal, ack, counts, outcome-first table, collateral."""
    esc, s = hp.esc, result.summary
    journal = _journal(result)
    parts = ["<div class='apex-result'>", *_banners(result),
             f"<h4>Cancel result {esc(result.execution_id)}: {esc(result.description)}</h4>",
             f"<p>execution id <code>{esc(result.execution_id)}</code> · journal "
             f"{f'<code>{esc(journal)}</code>' if journal else '<i>not recorded on the result</i>'}<br>"
             f"acknowledgement: <b>{esc(ack_words(s))}</b></p>"]
    keys = [k for k in (*_COUNT_KEYS, *_DETAIL_KEYS) if k in s]
    parts.append(hp.summary_table((k.replace("_", " "), s.get(k)) for k in keys))
    if len(result.orders):
        parts.append(hp.orders_table(result.orders, columns=hp.RESULT_COLUMNS, note=hp.FIRST_ROWS_BRIEF))
    unplanned = getattr(result, "unplanned", None)
    if isinstance(unplanned, pd.DataFrame) and len(unplanned):
        parts.append("<h5>Unplanned (in scope, not in the preview)</h5>"
                     + hp.orders_table(unplanned, columns=hp.RESULT_COLUMNS, note=hp.FIRST_ROWS_BRIEF))
    if len(result.collateral):
        parts.append("<h5>Collateral (outside the scope)</h5>"
                     + hp.orders_table(result.collateral, note=hp.FIRST_ROWS_BRIEF))
    parts.append("</div>")
    return "".join(parts)
