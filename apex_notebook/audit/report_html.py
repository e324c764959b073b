"""HTML building blocks of the post-mortem report: escaped cells, tables, money lines, sections, the page style.

Numbers are formatted for people by :mod:`apex_notebook.frames.display` (quantities without trailing
noise, prices to their precision, times to the second in UTC, money per quote currency). Every value
that reaches the page goes through :func:`html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Final

import pandas as pd

from apex_notebook.frames.display import (
    UNKNOWN_CURRENCY,
    currency_decimals,
    display_frame,
    format_time,
    money_text,
    notional_by_currency,
)

__all__ = ["STYLE", "esc", "frame_table", "kv_table", "money_line", "note", "section"]

#: Rows shown per table in the report (the exports hold every row).
MAX_ROWS: Final = 200

#: The page style: screen and A4 print (one section per page where it helps, tables that do not split rows).
STYLE: Final = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212121;
       margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; border-bottom: 2px solid #cfd8dc;
       padding-bottom: 4px; margin-top: 32px; } h3 { font-size: 15px; margin: 18px 0 6px; }
.verdict { font-size: 17px; font-weight: 600; padding: 10px 14px; border-radius: 6px; margin: 12px 0; }
.ok { background: #e8f5e9; border-left: 6px solid #2e7d32; }
.bad { background: #ffebee; border-left: 6px solid #c62828; }
.warn { background: #fff8e1; border-left: 6px solid #f9a825; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 12.5px; }
th, td { border: 1px solid #e0e0e0; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #eceff1; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { width: 220px; }
.muted { color: #616161; } .small { font-size: 12px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
pre { background: #f5f5f5; padding: 8px 10px; white-space: pre-wrap; word-break: break-all; }
figure { margin: 8px 0 16px; } figcaption { font-size: 12px; color: #616161; }
nav ol { columns: 2; font-size: 13px; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 11px; }
  table { font-size: 8.5px; max-width: 100%; } th, td { padding: 1px 3px; } table.kv th { width: 150px; }
  table.kv, table.kv td { font-size: 10px; }
  section.page { break-before: page; }
  section.page:first-of-type { break-before: auto; }
  tr, figure, .verdict { break-inside: avoid; }
  thead { display: table-header-group; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
}
"""


def esc(value: object) -> str:
    """``value`` as escaped text (missing values blank)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    return escape(str(value))


def note(text: str, kind: str = "muted") -> str:
    """A paragraph of escaped text with one CSS class (``muted``, ``ok``, ``bad``, ``warn``, ``verdict ok``...)."""
    return f'<p class="{escape(kind)}">{escape(text)}</p>'


def section(anchor: str, title: str, body: Sequence[str], *, page: bool = True) -> str:
    """One report section (``<h2>`` and its body); ``page`` starts it on a new page when printed."""
    cls = ' class="page"' if page else ""
    return f'<section id="{escape(anchor)}"{cls}><h2>{escape(title)}</h2>' + "".join(body) + "</section>"


def kv_table(rows: Sequence[tuple[str, object]]) -> str:
    """A two-column table of labelled facts (values escaped, missing ones blank)."""
    cells = "".join(f"<tr><th>{escape(label)}</th><td>{esc(value)}</td></tr>" for label, value in rows)
    return f'<table class="kv">{cells}</table>'


def frame_table(frame: pd.DataFrame, columns: Mapping[str, str], *, limit: int = MAX_ROWS,
                empty: str = "none") -> str:
    """A table of ``frame`` (``columns``: name -> header), formatted for people, at most ``limit`` rows."""
    if frame is None or not len(frame):
        return note(empty)
    shown = [c for c in columns if c in frame]
    helpers = [c for c in ("instrument_id",) if c in frame and c not in shown]  # prices to their precision
    text = display_frame(frame[shown + helpers].head(limit))[shown]
    numeric = {c for c in shown if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])}
    for column in shown:
        if str(frame[column].dtype).startswith("datetime64"):
            text[column] = [format_time(v) for v in frame[column].head(limit)]
    head = "".join(f"<th>{escape(columns[c])}</th>" for c in shown)
    body = "".join("<tr>" + "".join(f'<td class="num">{esc(row[c])}</td>' if c in numeric else f"<td>{esc(row[c])}</td>"
                                    for c in shown) + "</tr>" for _, row in text.iterrows())
    more = (note(f"showing the first {limit:,} of {len(frame):,} rows; every row is in the export "
                 "(`apex-notebook journal export`)", "muted small") if len(frame) > limit else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def money_line(frame: pd.DataFrame | None, column: str = "notional") -> str:
    """Notional per quote currency in one line (never summed across currencies); unknown prices said so."""
    if frame is None or not len(frame) or column not in frame:
        return "nothing"
    values = (frame.drop(columns=["notional"], errors="ignore").rename(columns={column: "notional"})
              if column != "notional" else frame)
    known = values[values["notional"].notna()].copy()
    if len(known):  # never one sum across currencies: an unrecorded quote currency is named by its instrument
        currency = known["quote_currency"].astype("string") if "quote_currency" in known else None
        named = (known["symbol"].astype("string").map(lambda s: f"(quote of {s})", na_action="ignore")
                 if "symbol" in known else pd.Series(UNKNOWN_CURRENCY, index=known.index, dtype="string"))
        known["quote_currency"] = named if currency is None else currency.fillna(named)
    text = money_text(notional_by_currency(known), currency_decimals(known)) if len(known) else "nothing priced"
    unpriced = len(values) - len(known)
    return text + (f" (+ {unpriced:,} order{'s' if unpriced != 1 else ''} whose price is not in the journal)"
                   if unpriced else "")
