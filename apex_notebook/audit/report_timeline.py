"""The timeline section of the post-mortem report: a lane figure and every event in words.

Lanes, top to bottom: intent journalled, request sent, acknowledgement, verification polls, collateral
checks, per-order cancel errors (``exact`` mode), reconcile steps, done; any other event kind gets a lane
of its own. Times are seconds after the first event (the intent), so the figure reads the same
whatever the clock of the day.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import pandas as pd

from apex_notebook.audit.report_facts import Facts
from apex_notebook.audit.report_html import esc, section
from apex_notebook.audit.svg import PALETTE, Lane, lane_chart

__all__ = ["event_words", "timeline"]

#: Lane name -> the event kinds it shows.
LANES: Final[dict[str, tuple[str, ...]]] = {
    "intent journalled": ("intent",),
    "request sent": ("send",),
    "acknowledgement": ("acked", "ack_error", "ack_unknown", "noop"),
    "verification polls": ("poll",),
    "collateral checks": ("collateral",),
    "per-order errors": ("cancel_order_ack",),
    "done": ("done",),
}
_COLOURS: Final = {"verification polls": PALETTE["canceled"], "collateral checks": PALETTE["collateral"],
                   "acknowledgement": PALETTE["filled_before_cancel"], "done": PALETTE["after"]}


def _d(detail: object) -> Mapping[str, Any]:
    return detail if isinstance(detail, Mapping) else {}


def event_words(kind: str, detail: object) -> str:
    """One event's detail in plain words (the raw JSON for a kind this report does not know)."""
    d = _d(detail)
    if kind == "intent":
        return f"{d.get('previewed')} orders previewed, mode {d.get('mode')}; written before anything was sent"
    if kind == "send":
        payload = json.dumps(d.get("payload"), sort_keys=True) if d.get("payload") is not None else "one per order"
        return f"CancelAllOrders {payload} for {d.get('orders')} target orders"
    if kind in LANES["acknowledgement"]:
        ack = _d(d.get("ack"))
        text = f"ack {ack.get('status')}: result {ack.get('result')}, errorcode {ack.get('errorcode')}"
        return text + (f", {ack.get('errormsg')}" if ack.get("errormsg") else "")
    if kind == "poll":
        return (f"poll {d.get('poll')}: {d.get('canceled', 0)} cancelled, {d.get('filled_before_cancel', 0)} filled, "
                f"{d.get('pending', 0)} pending of {d.get('targets')}")
    if kind == "collateral":
        return (f"check {d.get('check')}: {d.get('collateral', 0)} collateral, {d.get('unplanned', 0)} unplanned"
                + (f"; unreadable accounts {d.get('unchecked')}" if d.get("unchecked") else ""))
    if kind == "done":
        s = _d(d.get("summary"))
        return (f"done: {s.get('affected')} affected; {s.get('canceled')} cancelled, {s.get('filled_before_cancel')} "
                f"filled first, {s.get('still_open')} still open, {s.get('unknown')} unknown, {s.get('unplanned')} "
                f"unplanned, {s.get('collateral')} collateral" + (f"; {d.get('note')}" if d.get("note") else ""))
    return json.dumps(detail, sort_keys=True, default=str) if detail is not None else ""


def _lanes(events: pd.DataFrame, seconds: pd.Series) -> list[Lane]:
    lanes: list[Lane] = []
    known = {k for kinds in LANES.values() for k in kinds}
    extra = {f"{k}": (k,) for k in dict.fromkeys(events["kind"].astype(str)) if k not in known}
    for name, kinds in {**LANES, **extra}.items():
        mask = events["kind"].astype(str).isin(kinds)
        times = [float(t) for t in seconds[mask]]
        if not times and name in extra:
            continue
        if not times:
            summary = "none"
        elif len(times) == 1:
            summary = f"+{times[0]:.3f} s"
            if name == "acknowledgement":
                summary += f" ({events.loc[mask, 'kind'].iloc[0]})"
        else:
            summary = f"{len(times)} events, +{times[0]:.3f} … +{times[-1]:.3f} s"
        lanes.append(Lane(name, times, summary, _COLOURS.get(name, PALETTE["default"])))
    return lanes


def timeline(facts: Facts) -> str:
    """The timeline section: the lane figure, then one table row per event."""
    events = facts.timeline
    if not len(events):
        return section("timeline", "Timeline", ["<p>No events journalled.</p>"])
    start = events["at"].iloc[0]
    seconds = (events["at"] - start).dt.total_seconds()
    figure = lane_chart(_lanes(events, seconds), title=f"Timeline of execution {facts.execution_id}")
    rows = "".join(
        f'<tr><td>{esc(at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3])}</td><td class="num">+{sec:.3f}</td>'
        f"<td>{esc(kind)}</td><td>{esc(event_words(str(kind), detail))}</td></tr>"
        for at, sec, kind, detail in zip(events["at"], seconds, events["kind"], events["detail"], strict=True))
    table = ("<table><thead><tr><th>at (UTC)</th><th>seconds</th><th>event</th><th>what happened</th></tr>"
             f"</thead><tbody>{rows}</tbody></table>")
    caption = (f"{len(events):,} events from {start.strftime('%Y-%m-%d %H:%M:%S')} UTC; 0 s is the moment the "
               "intent was journalled.")
    return section("timeline", "Timeline", [f"<figure>{figure}<figcaption>{esc(caption)}</figcaption></figure>", table])
