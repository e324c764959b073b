"""The sections of the post-mortem report, each an HTML string made from :class:`~.report_facts.Facts`.

In report order: :func:`who_when_why` (user, operator, gateway, OMS, reason, times), :func:`scope_and_plan`
(the scope in words, the request as sent, the plan's counts and notional per quote currency),
:func:`timeline` (a lane figure and the events in words), :func:`outcomes` (a bar figure and one table
per class), :func:`filled_first`, :func:`survived` (still open, before/after per account and instrument,
late arrivals, orders that left meanwhile), :func:`refused` (attempts before it), :func:`integrity` and
:func:`reproduce` (the journal path, the execution id and the commands that give every number again).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import pandas as pd

from apex_notebook.audit.report_facts import Facts, arrivals_and_departures
from apex_notebook.audit.report_html import esc, frame_table, kv_table, money_line, note, section
from apex_notebook.audit.report_timeline import timeline
from apex_notebook.audit.svg import PALETTE, Bar, bar_chart
from apex_notebook.frames.display import format_quantity, format_time

__all__ = ["filled_first", "integrity", "outcomes", "refused", "reproduce", "scope_and_plan", "survived",
           "timeline", "who_when_why"]

_ORDER_COLUMNS: Final = {"order_id": "order", "account_id": "account", "symbol": "instrument", "side": "side",
                         "order_type": "type"}
_TARGET_COLUMNS: Final = {**_ORDER_COLUMNS, "orig_quantity": "quantity", "quantity_executed": "executed",
                          "price": "price", "notional": "notional cancelled", "quote_currency": "ccy",
                          "outcome": "outcome", "final_state": "final state", "verified_at": "verified at (UTC)",
                          "verified_late": "verified late"}
_OTHER_COLUMNS: Final = {**_ORDER_COLUMNS, "cancelled_quantity": "quantity cancelled", "price": "price",
                         "notional": "notional", "quote_currency": "ccy", "final_state": "final state",
                         "change_reason": "change reason", "verified_at": "verified at (UTC)",
                         "price_source": "price from snapshot"}
_SNAPSHOT_COLUMNS: Final = {**_ORDER_COLUMNS, "order_state": "state", "price": "price", "quantity": "open qty",
                            "quantity_executed": "executed", "receive_time": "received (UTC)",
                            "last_updated_time": "last update (UTC)"}
_CLASSES: Final = (("canceled", "targets cancelled"), ("filled_before_cancel", "targets filled first"),
                   ("still_open", "targets still open"), ("unknown", "targets unknown"),
                   ("unplanned", "unplanned (in scope, not previewed)"), ("collateral", "collateral (outside scope)"))


def _count(value: object) -> str:
    return "" if value is None else f"{int(value):,}" if isinstance(value, int | float) else str(value)


def who_when_why(facts: Facts) -> str:
    """Who cancelled, when, why and where (no credentials: the gateway URL is journalled without them)."""
    r, s = facts.record, facts.summary
    first = facts.states["recorded_at"].iloc[0]
    rows: list[tuple[str, object]] = [
        ("user (APEX login)", r.get("username")), ("operator (as typed)", r.get("operator")),
        ("reason", r.get("reason")), ("gateway", r.get("base_url")), ("OMS", r.get("oms_id")),
        ("mode", r.get("mode")), ("confirmation typed", r.get("confirmation")),
        ("intent journalled (UTC)", format_time(first)), ("request sent (UTC)", format_time(s.get("sent_at"))),
        ("acknowledged (UTC)", format_time(s.get("acked_at"))),
        ("acknowledgement", s.get("ack_status") or r.get("state")),
        ("verified (UTC)", format_time(s.get("verified_at"))),
        ("state now", r.get("state")), ("state changes", " → ".join(map(str, facts.states["state"])))]
    if r.get("note"):
        rows.append(("note", r.get("note")))
    return section("who", "Who, when, why, where", [kv_table(rows)], page=False)


def _counts(frame: pd.DataFrame, column: str) -> str:
    if column not in frame or not len(frame):
        return ""
    found = frame[column].astype("string").fillna("(missing)").value_counts()
    return ", ".join(f"{esc(k)}: {v:,}" for k, v in found.items())


def scope_and_plan(facts: Facts) -> str:
    """The scope in words, the request as sent, and the plan: counts and notional per quote currency."""
    r = facts.record
    preview = facts.snapshots["preview"]
    payload = json.dumps(r.get("payload"), sort_keys=True)
    found = r.get("drift")
    drift: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    body = [f"<p><strong>Scope:</strong> {esc(r.get('scope_text'))}</p>",
            f"<p><strong>Request as sent</strong> (CancelAllOrders payload): <code>{esc(payload)}</code></p>"]
    plan: list[tuple[str, object]] = [("orders previewed", _count(r.get("previewed")))]
    if preview is not None:
        plan += [("notional previewed, per quote currency", money_line(preview)),
                 ("by account", _counts(preview, "account_id")), ("by instrument", _counts(preview, "symbol")),
                 ("by side", _counts(preview, "side"))]
    plan += [("drift at the pre-send check", f"{drift.get('added', 0)} added, {drift.get('removed', 0)} removed"
              + (" (accepted)" if drift.get("accepted") else "")), ("plan id", r.get("plan_id")),
             ("fingerprint of the previewed ids", r.get("fingerprint"))]
    body.append(kv_table(plan))
    return section("plan", "Scope and plan", body, page=False)


def outcomes(facts: Facts) -> str:
    """A bar figure of every class and one table per class (targets, unplanned, collateral)."""
    s = facts.summary
    bars = [Bar(label, float(s.get(key, 0) or 0), f"{int(s.get(key, 0) or 0):,}", PALETTE[key])
            for key, label in _CLASSES]
    affected = s.get("affected")
    body = [f"<figure>{bar_chart(bars, title='Outcome of every order, by class')}"
            f"<figcaption>Total affected (cancelled targets + unplanned + collateral): {_count(affected)}."
            "</figcaption></figure>"]
    for kind, title, columns in (("target", "Targets (previewed orders)", _TARGET_COLUMNS),
                                 ("unplanned", "Unplanned: in scope, not previewed, cancelled", _OTHER_COLUMNS),
                                 ("collateral", "Collateral: outside the scope, cancelled", _OTHER_COLUMNS)):
        frame = facts.outcomes[kind]
        body.append(f"<h3>{esc(title)}: {len(frame):,}</h3>")
        if len(frame):
            body.append(f"<p>Notional cancelled: {esc(money_line(frame))}</p>")
        body.append(frame_table(frame, columns))
    if not facts.summary.get("coverage_complete", True):
        body.insert(0, note(f"Coverage incomplete: {facts.summary.get('coverage_note')}", "verdict warn"))
    return section("outcomes", "Outcomes by class", body)


def filled_first(facts: Facts) -> str:
    """Targets that filled before their cancel landed: how many, how much, worth what."""
    targets = facts.outcomes["target"]
    filled = targets[targets["outcome"] == "filled_before_cancel"].copy()
    if not len(filled):
        return section("filled", "What filled first", [note("No target filled before its cancel.")], page=False)
    filled["notional"] = filled["price"] * filled["quantity_executed"].astype("float64")  # what was filled
    per_symbol = filled.groupby("symbol", observed=True)["quantity_executed"].sum()
    body = [f"<p>{len(filled):,} target order{'s' if len(filled) != 1 else ''} filled before the cancel: "
            + esc(", ".join(f"{format_quantity(q)} {sym}" for sym, q in per_symbol.items()))
            + f" executed, worth {esc(money_line(filled))} at the orders' prices.</p>",
            frame_table(filled, {**_ORDER_COLUMNS, "orig_quantity": "quantity", "quantity_executed": "executed",
                                 "price": "price", "notional": "notional filled",
                                 "quote_currency": "ccy", "final_state": "final state"})]
    return section("filled", "What filled first", body, page=False)


def _before_after(facts: Facts, most: int = 12) -> str:
    pre, post = facts.snapshots["pre_send"], facts.snapshots["post_verify"]
    if pre is None or post is None:
        return note("The journal has no pre-send or post-verify snapshot for this execution.")
    keys = ["account_id", "symbol"]
    before = pre.groupby(keys, observed=True, dropna=False).size().rename("before")
    after = post.groupby(keys, observed=True, dropna=False).size().rename("after")
    both = pd.concat([before, after], axis=1).fillna(0).astype(int)
    both = both.sort_values(["before", "after"], ascending=False).head(most)
    bars: list[Bar] = []
    for key, row in both.iterrows():
        account, symbol = key if isinstance(key, tuple) else (key, "")
        group = f"account {account} · {symbol}"
        bars += [Bar("before", float(row["before"]), f"{row['before']:,} before", PALETTE["before"], group),
                 Bar("after", float(row["after"]), f"{row['after']:,} after", PALETTE["after"], group)]
    caption = (f"Open orders of the scope's accounts just before the send ({len(pre):,}) and after "
               f"verification ({len(post):,}), per account and instrument"
               + (f"; the {most} busiest of {len(pd.concat([before, after], axis=1)):,} shown" if len(both) == most
                  else "") + ".")
    return (f"<figure>{bar_chart(bars, title='Open orders before the send and after verification')}"
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def survived(facts: Facts) -> str:
    """What survived (targets still open), the accounts before/after, late arrivals and orders that left."""
    targets = facts.outcomes["target"]
    still = targets[targets["outcome"].isin(["still_open", "unknown"])]
    late, left = arrivals_and_departures(facts)
    body = [f"<h3>Targets not cancelled: {len(still):,}</h3>", frame_table(still, _TARGET_COLUMNS),
            _before_after(facts),
            f"<h3>Late arrivals: {len(late):,} open after verification that were not open before the send</h3>",
            frame_table(late, _SNAPSHOT_COLUMNS),
            f"<h3>Left the book meanwhile: {len(left):,} open before the send, in no outcome class, not open "
            "after</h3>", frame_table(left, _SNAPSHOT_COLUMNS)]
    if facts.snapshots["unplanned"] is None and len(facts.outcomes["unplanned"]):
        body.append(note("The journal has no 'unplanned' snapshot, so the prices of unplanned orders that "
                         "arrived after the pre-send read are not recorded.", "muted small"))
    return section("survived", "What survived, what arrived, what left", body)


def refused(facts: Facts) -> str:
    """Refused execute attempts journalled before this execution (since the previous one)."""
    columns = {"at": "at (UTC)", "kind": "refused for", "message": "message", "username": "user",
               "scope_text": "scope", "phrase_matched": "phrase matched", "drift_added_ids": "drift: added",
               "drift_removed_ids": "drift: removed"}
    frame = facts.refusals.copy()
    for column in ("drift_added_ids", "drift_removed_ids"):
        frame[column] = [", ".join(map(str, ids)) if isinstance(ids, list) else "" for ids in frame[column]]
    body = [frame_table(frame, columns, empty="No refused attempt before this execution.")]
    return section("refused", f"Refused attempts before it: {len(frame):,}", body, page=False)


def integrity(facts: Facts) -> str:
    """The hash chain's verdict over the whole journal, with what it proves."""
    v = facts.verdict
    kind = "verdict ok" if v.ok else "verdict bad"
    rows: list[tuple[str, Any]] = [("rows checked", f"{v.rows:,}"), ("head hash (keep it elsewhere)", v.head)]
    if not v.ok:
        rows += [("first broken table", v.table), ("row id", v.row_id), ("seq", v.seq), ("problem", v.problem),
                 ("trigger problems", "; ".join(v.guard_problems))]
    if v.note:
        rows.append(("note", v.note))
    body = [note(str(v), kind), kv_table(rows),
            note("The chain proves no row was edited, removed or inserted out of band since it was written; "
                 "compare the head hash with a copy kept outside the journal to rule out a rewrite of the "
                 "whole chain.", "muted small")]
    return section("integrity", "Integrity of the journal", body, page=False)


def reproduce(facts: Facts) -> str:
    """Where every number comes from: the journal path, the execution id, the commands."""
    path, eid = facts.path, facts.execution_id
    code = (f"import apex_notebook as apx\njournal = apx.Journal({path!r})\n"
            f"journal.executions(all_states=True).query(\"execution_id == '{eid}'\")\n"
            f"journal.outcomes({eid!r}, kind='target')  # also 'unplanned', 'collateral'\n"
            f"journal.snapshot({eid!r}, 'pre_send'); journal.timeline({eid!r}); journal.verify()\n\n"
            f"apex-notebook journal show {path} {eid}\n"
            f"apex-notebook journal export {path} {eid} --format csv -o export-{eid}")
    body = [kv_table([("journal", path), ("execution id", eid)]), f"<pre>{esc(code)}</pre>"]
    return section("reproduce", "Reproduce every number", body, page=False)
