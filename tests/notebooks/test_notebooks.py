"""Every tutorial notebook runs top to bottom, in a fresh kernel, against the simulator.

Each notebook is copied to a temporary folder (its working directory: anything it writes lands
there) and executed with nbclient in the ``python3`` kernel of the running environment, with no
``APEX_*`` variables and no stdin. Tutorial 4 runs twice: once against a standalone simulator that
this test starts (``APEX_URL``/``APEX_USERNAME``/``APEX_PASSWORD`` given, as the demo command does),
and once without ``APEX_URL`` (the notebook then starts the simulator itself).

Secrets: a hidden first cell (removed before the checks) records every session token and pending
2FA token the in-kernel simulators hand out, and this process records those of the standalone
simulator; no token, and no "password ... demo", may appear in any output or in the saved widget
state.

The committed notebooks carry their outputs (``notebooks/build_notebooks.py --execute``); their
sources are exactly what the generator builds (the generator is the source of truth). The execution
above is reused to check that the committed outputs are not stale: both are cleaned alike
(``tutorials/executor.py``) and compared after normalising the documented volatile fields
(``tutorials/staleness.py``); a hand-edited output fails the comparison, naming its cell.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from apex_notebook.simulator import FakeOMS
from apex_notebook.simulator.sessions import SessionStore

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
sys.path.insert(0, str(NOTEBOOK_DIR))  # the ``tutorials`` package, as build_notebooks.py finds it
from tutorials import executor, staleness  # noqa: E402

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds; every cell takes at most a few seconds on 2 cores
HARNESS_TAG = "test-harness"
TOKENS_FILE = "_issued_tokens.json"
#: "password" followed closely by the simulator's password: an echoed credential.
PASSWORD_ECHO = re.compile(r"pass(word)?\W{0,12}demo\b", re.IGNORECASE)

PROLOGUE = """\
# test harness (removed before the checks): record every token the simulator issues
import apex_notebook.simulator.sessions as _sessions
_ISSUED = []
def _recording(method):
    def wrapper(self, *args, **kwargs):
        token = method(self, *args, **kwargs)
        _ISSUED.append(token)
        return token
    return wrapper
_sessions.SessionStore.open = _recording(_sessions.SessionStore.open)
_sessions.SessionStore.open_pending = _recording(_sessions.SessionStore.open_pending)
"""
EPILOGUE = f"""\
import json as _json
with open({TOKENS_FILE!r}, "w") as _file:
    _json.dump(_ISSUED, _file)
"""

#: Texts each notebook's outputs must contain (they show the lesson actually happened).
EXPECTED: dict[str, tuple[str, ...]] = {
    "01_explore_open_orders": ("3000", "accounts_failed", "open-orders.csv", "open-orders.meta.json"),
    "02_preview_and_cancel": (
        "open orders before: 60, after: 0",                    # AccountId 0 wiped every account
        "refused: call() never sends CancelAllOrders",         # no raw cancel-all, whatever the payload
        "None never means 'all'",                              # CancelScope refuses None
        "DriftError: the orders in scope changed since the preview: 1 added [",
        "refused: the confirmation does not match",
        "a plan executes at most once",
        "already used or its scope changed: press Preview",    # the panel's second click
        "WARNING: this scope covers EVERY ACCOUNT",            # the all-accounts preview banner
    ),
    "03_incident_postmortem": ("filled_before_cancel", "Collateral:", "in_flight", "summary.md",
                               "incident-journal.sqlite",
                               "in the pre-send snapshot: 0; the runaway's burst before the send: True",  # unplanned
                               "late arrivals: 4 (the burst after the send: True)",       # found from the journal
                               "left the book otherwise: ", "incident-report.html"),
    "04_connect_to_a_gateway": ("AccountReadOnly", "executable: False", "Not Authorized",
                                "2FA login ok: secure", "AuthenticationError", "password='***'"),
    "05_team_journal": ("['ops', 'ops2', 'secure'",                                       # the second Operator
                        "approval needed for: ALL-accounts scopes",                       # the desk's policy
                        "refused: execute refused: the desk's policy requires a second person's approval",
                        "This plan needs a second person's approval first",               # the panel's banner
                        "cannot approve it: the two-person rule needs another APEX user",  # no self-approval
                        "verified OK:", "self_approval", "not_approved",
                        "intact: "),                                                      # the shared chain
}
#: Files (relative to the notebook's folder) each notebook must have written.
WRITTEN: dict[str, tuple[str, ...]] = {
    "01_explore_open_orders": ("tutorial-output/01-explore/open-orders.csv",
                               "tutorial-output/01-explore/open-orders.jsonl",
                               "tutorial-output/01-explore/open-orders.meta.json",
                               "tutorial-output/01-explore/open-orders-heatmap.png"),
    "02_preview_and_cancel": ("tutorial-output/apex-journal.sqlite",),
    "03_incident_postmortem": tuple(f"tutorial-output/incident-report/{name}" for name in (
        "summary.md", "incident-report.html", "tables/outcomes.csv", "tables/execution.csv", "tables/timeline.csv",
        "tables/snapshot-pre_send.csv", "tables/refusals.csv", "incident-journal.sqlite")),
    "04_connect_to_a_gateway": (),
    "05_team_journal": ("tutorial-output/05-team-journal.sqlite", "tutorial-output/05-team-report.html"),
}
#: Figures (image/png outputs) each notebook must show, at least.
FIGURES = {"01_explore_open_orders": 4, "02_preview_and_cancel": 2, "03_incident_postmortem": 4,
           "04_connect_to_a_gateway": 0, "05_team_journal": 0}


def _cases() -> list[Any]:
    cases = []
    for path in NOTEBOOKS:
        if path.stem.startswith("04_"):
            cases.append(pytest.param(path, True, id=f"{path.stem}[standalone-simulator]"))
            cases.append(pytest.param(path, False, id=f"{path.stem}[no-APEX_URL]"))
        else:
            cases.append(pytest.param(path, False, id=path.stem))
    return cases


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOK_DIR / "build_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def standalone() -> Iterator[tuple[str, list[str]]]:
    """A standalone simulator on 127.0.0.1 (as the demo runs it) and the tokens it hands out."""
    issued: list[str] = []
    originals = SessionStore.open, SessionStore.open_pending

    def recording(method: Any) -> Any:
        def wrapper(self: SessionStore, *args: Any, **kwargs: Any) -> str:
            token: str = method(self, *args, **kwargs)
            issued.append(token)
            return token
        return wrapper

    SessionStore.open = recording(originals[0])  # type: ignore[method-assign]
    SessionStore.open_pending = recording(originals[1])  # type: ignore[method-assign]
    try:
        with FakeOMS.seeded(seed=7).serve(host="127.0.0.1", port=0) as server:
            yield server.url, issued
    finally:
        SessionStore.open, SessionStore.open_pending = originals  # type: ignore[method-assign]


def _kernel_env(apex: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APEX_")}
    env.pop("MPLBACKEND", None)
    return {**env, **apex}


def _texts(nb: nbformat.NotebookNode) -> list[str]:
    """Every text of every output (streams, plain/HTML/markdown results, errors)."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                texts.append(output["text"])
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    texts.append(value if isinstance(value, str) else json.dumps(value))
            if output.get("output_type") == "error":
                texts.extend([output["ename"], output["evalue"], *output["traceback"]])
    return texts


def _run(path: Path, workdir: Path, env: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    harness = {"tags": [HARNESS_TAG]}
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROLOGUE, metadata=harness))
    nb.cells.append(nbformat.v4.new_code_cell(EPILOGUE, metadata=harness))
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute(env=env)
    nb.cells = [c for c in nb.cells if HARNESS_TAG not in c.metadata.get("tags", [])]
    return nb


@pytest.mark.parametrize(("path", "with_standalone"), _cases())
def test_notebook_runs_top_to_bottom(path: Path, with_standalone: bool, tmp_path: Path,
                                     request: pytest.FixtureRequest) -> None:
    workdir = tmp_path / "notebooks"
    workdir.mkdir()
    shutil.copy(path, workdir / path.name)
    apex_env: dict[str, str] = {}
    server_tokens: list[str] = []
    if with_standalone:
        url, server_tokens = request.getfixturevalue("standalone")
        apex_env = {"APEX_URL": url, "APEX_USERNAME": "viewer", "APEX_PASSWORD": "demo"}

    nb = _run(workdir / path.name, workdir, _kernel_env(apex_env))

    texts = _texts(nb)
    joined = "\n".join(texts)
    for expected in EXPECTED[path.stem]:
        assert expected in joined, f"{path.name}: no output contains {expected!r}"
    if path.stem.startswith("04_"):
        branch = "APEX_URL is set" if with_standalone else "APEX_URL was not set: started the APEX simulator"
        assert branch in joined
    for relative in WRITTEN[path.stem]:
        assert (workdir / relative).is_file(), f"{path.name} did not write {relative}"
    figures = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert figures >= FIGURES[path.stem], f"{path.name} shows {figures} figures"

    # Secrets: no token the simulators issued, no echoed password, in outputs or widget state.
    tokens = json.loads((workdir / TOKENS_FILE).read_text()) + server_tokens
    assert tokens, "the harness recorded no login: it is broken"
    widget_state = json.dumps(nb.metadata.get("widgets", {}))
    for token in tokens:
        assert token not in joined, f"{path.name} shows a session token"
        assert token not in widget_state, f"{path.name} keeps a session token in widget state"
    assert not PASSWORD_ECHO.search(joined), PASSWORD_ECHO.search(joined)
    assert not PASSWORD_ECHO.search(widget_state)

    if not with_standalone:  # the committed outputs are those of a run without APEX_URL
        _assert_committed_outputs_fresh(path, nb, workdir)


def _assert_committed_outputs_fresh(path: Path, fresh: nbformat.NotebookNode, workdir: Path) -> None:
    """The outputs committed in ``path`` are what this execution gave (volatile fields aside)."""
    stale = staleness.compare(nbformat.read(path, as_version=4), executor.clean(fresh, workdir))
    assert not stale, staleness.explain(path.name, stale)


def test_there_are_five_tutorials() -> None:
    assert [p.stem[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebooks_are_executed_and_match_the_generator(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    counts = [cell.execution_count for cell in nb.cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name} is not committed executed: run notebooks/build_notebooks.py --execute")
    assert "widgets" not in nb.metadata, f"{path.name} keeps widget state"
    assert not PASSWORD_ECHO.search("\n".join(_texts(nb)))
    assert path.stat().st_size < 2_000_000, f"{path.name} is {path.stat().st_size} bytes"
    built = _generator().build(path.name)
    assert [(c.get("id"), c.cell_type, c.source) for c in nb.cells] == [
        (c.get("id"), c.cell_type, c.source) for c in built.cells], (
        f"{path.name} differs from notebooks/build_notebooks.py: edit the generator and run it with --execute")


def test_the_staleness_check_names_a_hand_edited_output(tmp_path: Path) -> None:
    committed_path = NOTEBOOK_DIR / "02_preview_and_cancel.ipynb"
    committed = nbformat.read(committed_path, as_version=4)
    assert staleness.compare(committed, committed) == []

    # A run gives new ids, times, durations and figure bytes: not stale.
    rerun = copy.deepcopy(committed)
    volatile_edits = 0
    for cell in rerun.cells:
        for output in cell.get("outputs", []):
            for mime, value in output.get("data", {}).items():
                if mime == "image/png":
                    output["data"][mime], volatile_edits = value[::-1], volatile_edits + 1
                elif mime.startswith("text/"):
                    text = value if isinstance(value, str) else "".join(value)
                    edited = re.sub(r"\b[0-9a-f]{16}\b", "0123abcd4567ef89", text)  # an execution id
                    edited = re.sub(r"\b\d{2}:\d{2}:\d{2}\b", "23:59:58", edited)      # a wall-clock time
                    output["data"][mime], volatile_edits = edited, volatile_edits + (edited != text)
    assert volatile_edits > 5
    assert staleness.compare(committed, rerun) == []

    # A hand-edited output, in a temporary copy of the committed notebook: stale, and named.
    edited_path = tmp_path / committed_path.name
    shutil.copy(committed_path, edited_path)
    edited = nbformat.read(edited_path, as_version=4)
    cell = next(c for c in edited.cells if c.cell_type == "code" and any(
        "open orders before: 60, after: 0" in "".join(o.get("text", "")) for o in c.outputs))
    output = next(o for o in cell.outputs if o.output_type == "stream")
    output.text = output.text.replace("after: 0", "after: 1")
    nbformat.write(edited, edited_path)

    stale = staleness.compare(nbformat.read(edited_path, as_version=4), committed)
    assert [s.cell_id for s in stale] == [cell.id]
    message = staleness.explain(committed_path.name, stale)
    assert cell.id in message and "after: 1" in message and "after: 0" in message
    assert "build_notebooks.py --execute" in message
