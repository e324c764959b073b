"""Are the outputs committed in a tutorial notebook still what executing it gives? (volatile fields aside)

The tutorials are committed executed, and the test suite executes each again; :func:`compare` then
reports every code cell whose outputs differ. The simulator is seeded, so counts, order ids, prices,
outcomes, tables and figure sizes are the same on every run. What still changes between two runs is
either produced by the library from the wall clock or a random source (it would take a change of
library code to pin it), or is bytes that carry no lesson. Before comparing, both sides go through
the same normalisation, and **only** these fields are ignored (:data:`VOLATILE`):

* ``<id>``: 12 to 64 hex characters, and UUIDs: plan ids, execution ids, refusal ids
  (``uuid4`` in ``apex_notebook.cancel``/``audit``) and hash-chain heads (they hash those ids and
  times). A number of 12 or more digits (an epoch in milliseconds) matches too.
* ``<time>``: ISO dates and times (``2026-11-30 14:37:57.104785+00:00``, ``2026-11-30T14:37:57Z``) and
  bare ``HH:MM:SS``: the client stamps snapshots (``taken_at``) and the journal stamps rows with the
  wall clock, and the simulator's orders are placed relative to it (a ``ManualClock`` would freeze
  the orders but not the client's or the journal's clock, and it would stop the delayed cancels of
  tutorial 3, which need time to pass).
* ``<duration>``: ``+1.272 s``, ``850 ms``, ``+0.026`` (offsets in the report's timeline) and the
  result's "verify seconds": elapsed wall-clock times.
* ``poll N: <n> cancelled, <n> filled, <n> pending``: what each verification poll found depends on
  when, to the millisecond, the poll ran against the simulator's delayed cancels (tutorial 3). The
  polls themselves run at a fixed rate, so how many there were is still compared.
* ``<tmp>/...``: paths under the temporary folder (tutorial 3 keeps its replayed journal in a
  ``mkdtemp`` folder); ``127.0.0.1:<port>``: the port the standalone simulator of tutorial 4 got.
* ``0x<addr>``: memory addresses in reprs.
* Figures are compared by **presence**, not bytes: a base64 image payload (``image/png`` outputs and
  ``data:image/...;base64,`` inside HTML) becomes ``<image>`` and an inline ``<svg>...</svg>`` becomes
  ``<svg/>``. Their pixels follow the times above (the age of an order, the x position of a poll), so
  bytes differ on every run; their ``<Figure size 700x400 with 1 Axes>`` text (size and number of
  axes) is still compared.

Widget outputs (progress bars, the live panel) are not committed at all (:mod:`executor` drops them:
their state is not saved), so they are not compared either. Everything else (text, tables, errors,
the order of outputs) must match exactly.
"""

from __future__ import annotations

import difflib
import json
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass

from nbformat.notebooknode import NotebookNode

#: (what it is, pattern, replacement): applied in this order to every text of every output.
VOLATILE: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("base64 image payload", re.compile(r"(data:image/[\w.+-]+;base64,)[A-Za-z0-9+/=\s]+"), r"\1<image>"),
    ("inline SVG figure", re.compile(r"(?:<|&lt;)svg\b.*?(?:<|&lt;)/svg(?:>|&gt;)", re.DOTALL), "<svg/>"),
    ("temporary path", re.compile(re.escape(tempfile.gettempdir()) + r"/[\w.-]+"), "<tmp>"),
    ("local port", re.compile(r"\b(127\.0\.0\.1|localhost):\d+"), r"\1:<port>"),
    ("uuid", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<id>"),
    ("hex id", re.compile(r"\b[0-9a-f]{12,64}\b"), "<id>"),
    ("ISO time", re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
                            r"(?:Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    ("clock time", re.compile(r"\b\d{2}:\d{2}:\d{2}(?:\.\d+)?\b"), "<time>"),
    ("duration", re.compile(r"[+-]?\b\d+(?:\.\d+)? ?(?:ms|s)\b|\+\d+\.\d{3}\b"), "<duration>"),
    ("verify seconds", re.compile(r"(verify seconds(?:\W|t[hd]\b)*)\d+(?:\.\d+)?"), r"\1<duration>"),
    ("poll progress", re.compile(r"(poll \d+: )\d+ cancelled, \d+ filled, \d+ pending"),
     r"\1<n> cancelled, <n> filled, <n> pending"),
    ("memory address", re.compile(r"\b0x[0-9a-fA-F]{6,}\b"), "0x<addr>"),
)
#: Output data types that are images: compared by presence only.
IMAGE_PREFIX = "image/"


@dataclass(frozen=True)
class StaleCell:
    """One code cell whose committed outputs differ from a fresh execution (after normalisation)."""

    cell_id: str
    source_head: str
    diff: str

    def __str__(self) -> str:
        return f"cell {self.cell_id} ({self.source_head!r}):\n{self.diff}"


def normalise(text: str) -> str:
    """``text`` with every :data:`VOLATILE` field replaced by its placeholder."""
    for _name, pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _text(value: object) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def output_lines(output: NotebookNode) -> list[str]:
    """One output as normalised lines: its type, then each of its texts (images by presence)."""
    kind = output.get("output_type", "?")
    if kind == "stream":
        return [f"[{output.get('name')}]", *normalise(_text(output.get("text", ""))).splitlines()]
    if kind == "error":
        return [f"[error {output.get('ename')}]", *normalise(_text(output.get("evalue", ""))).splitlines()]
    lines = [f"[{kind}]"]
    for mime in sorted(output.get("data", {})):
        value = output["data"][mime]
        if mime.startswith(IMAGE_PREFIX):
            lines.append(f"<{mime}: <image>>")
        else:
            lines += [f"<{mime}>", *normalise(_text(value)).splitlines()]
    return lines


def cell_lines(cell: NotebookNode) -> list[str]:
    """Every output of a code cell, normalised, as lines."""
    return [line for output in cell.get("outputs", []) for line in output_lines(output)]


def _code_cells(nb: NotebookNode) -> dict[str, NotebookNode]:
    return {cell.get("id", f"#{index}"): cell for index, cell in enumerate(nb.cells) if cell.cell_type == "code"}


def compare(committed: NotebookNode, fresh: NotebookNode, *, context: int = 1) -> list[StaleCell]:
    """Code cells whose committed outputs are not what ``fresh`` (an execution) shows; [] if none.

    Cells are matched by id. A cell present on one side only is reported too (the sources moved on:
    regenerate).
    """
    old, new = _code_cells(committed), _code_cells(fresh)
    stale = []
    for cell_id in list(old) + [i for i in new if i not in old]:
        before = cell_lines(old[cell_id]) if cell_id in old else ["(no such cell in the committed notebook)"]
        after = cell_lines(new[cell_id]) if cell_id in new else ["(no such cell in the fresh execution)"]
        if before != after:
            diff = difflib.unified_diff(before, after, "committed", "fresh", n=context, lineterm="")
            source = (old.get(cell_id) or new[cell_id]).source
            stale.append(StaleCell(cell_id, source.splitlines()[0][:60] if source else "", _clip(diff)))
    return stale


def _common_prefix(old: str, new: str) -> int:
    """How many leading characters two diff lines share after their ``-``/``+`` mark."""
    return next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if i and a != b), min(len(old), len(new)))


def _clip(lines: Iterable[str], limit: int = 20, width: int = 160) -> str:
    """At most ``limit`` diff lines; a long changed line is cut to a window around its first change."""
    kept = list(lines)
    for index in range(len(kept) - 1):
        old, new = kept[index], kept[index + 1]
        if old.startswith("-") and new.startswith("+") and max(len(old), len(new)) > width:
            start = max(0, _common_prefix(old, new) - width // 2)
            kept[index], kept[index + 1] = (f"{line[0]}{'...' if start else ''}{line[max(start, 1):start + width]}"
                                            for line in (old, new))
    kept = [line[:width + 4] for line in kept]
    more = len(kept) - limit
    return "\n".join(kept[:limit] + ([f"... ({more} more diff lines)"] if more > 0 else []))


def explain(name: str, stale: list[StaleCell]) -> str:
    """A message for people: which cells of ``name`` are stale, how they differ, what to run."""
    cells = "\n\n".join(str(cell) for cell in stale)
    return (f"{name}: the committed outputs of {len(stale)} cell(s) are not what executing the notebook gives "
            f"(volatile fields aside, see notebooks/tutorials/staleness.py):\n\n{cells}\n\n"
            "Regenerate them: .venvs/test/bin/python notebooks/build_notebooks.py --execute")
