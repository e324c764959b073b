"""Execute a tutorial notebook as the committed copy must record it, and make its outputs stable.

:func:`execute` runs a notebook with nbclient in a fresh ``python3`` kernel, in an empty temporary
``notebooks`` folder (files the notebook writes land there, never in the repository), with no
``APEX_*`` variables (tutorial 4 then starts its own simulator) and no stdin.

:func:`clean` is what makes an executed notebook fit to commit and cheap to compare: execution counts
renumbered 1, 2, 3... over the code cells (a harness cell before them does not shift them), nbclient's
per-cell timing metadata removed, and widgets removed: the ipywidgets state and every widget output
(tqdm progress bars, whose saved text would read "0%" forever, and the live panel, which also displays
a static HTML record of itself: that record is what a reader on the code host or nbviewer sees).
Absolute paths of the folder the notebook ran in are replaced by ``.``. The tests apply the same
:func:`clean` to their own execution, so both sides of the staleness comparison (:mod:`staleness`) are cleaned alike.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from nbclient import NotebookClient
from nbformat.notebooknode import NotebookNode

#: Seconds a single cell may take; every cell takes at most a few seconds on 2 cores.
CELL_TIMEOUT = 120
#: Notebook metadata that executing adds and that must not be committed (ipywidgets state).
VOLATILE_METADATA = ("widgets",)
#: Cell metadata that nbclient adds (timestamps of each execution).
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled")
#: Output data type of a live widget (a progress bar, the panel): useless once its state is dropped.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def kernel_env(apex: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without ``APEX_*`` and ``MPLBACKEND``, plus ``apex``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("APEX_")}
    env.pop("MPLBACKEND", None)
    return {**env, **(apex or {})}


def run(nb: NotebookNode, workdir: Path, env: Mapping[str, str]) -> NotebookNode:
    """Execute ``nb`` in place with ``workdir`` as the kernel's working directory; return it."""
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=False,
                            record_timing=False, resources={"metadata": {"path": str(workdir)}})
    client.execute(env=dict(env))
    return nb


def clean(nb: NotebookNode, workdir: Path | None = None) -> NotebookNode:
    """Renumber execution counts, drop volatile metadata and ``workdir``'s absolute paths; in place."""
    for key in VOLATILE_METADATA:
        nb.metadata.pop(key, None)
    nb.metadata.get("language_info", {}).pop("version", None)  # this machine's Python version
    count = 0
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count = count
        cell.outputs = [output for output in cell.outputs if WIDGET_VIEW not in output.get("data", {})]
        for output in cell.outputs:
            if "execution_count" in output:
                output["execution_count"] = count
            if workdir is not None:
                _replace_paths(output, str(workdir))
    return nb


def _replace_paths(output: NotebookNode, folder: str) -> None:
    """Replace ``folder`` (the notebook's temporary working directory) by ``.`` in ``output``."""
    if isinstance(output.get("text"), str):
        output["text"] = output["text"].replace(folder, ".")
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/") and isinstance(value, str):
            output["data"][mime] = value.replace(folder, ".")


def execute(nb: NotebookNode) -> NotebookNode:
    """``nb`` executed in a temporary folder (its working directory) and cleaned; in place."""
    with tempfile.TemporaryDirectory(prefix="apex-tutorial-") as tmp:
        workdir = Path(tmp) / "notebooks"
        workdir.mkdir()
        run(nb, workdir, kernel_env())
        return clean(nb, workdir)
