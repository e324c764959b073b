#!/usr/bin/env python3
"""Write the tutorial notebooks of ``notebooks/`` from their sources in ``notebooks/tutorials/``, executed.

Usage (from the repository root)::

    .venvs/test/bin/python notebooks/build_notebooks.py --execute        # regenerate all, with outputs
    .venvs/test/bin/python notebooks/build_notebooks.py --execute 03 05  # only these (number or file name)
    .venvs/test/bin/python notebooks/build_notebooks.py                  # sources only (drops stale outputs)
    .venvs/test/bin/python notebooks/build_notebooks.py --check          # exit 1: stale sources, no outputs

The sources are the source of truth: one module per notebook (``tutorials/nbNN_*.py``, each a list
of cells), ``tutorials/cells.py`` for the ``md(...)``/``code(...)`` helpers and
``tutorials/writer.py`` for building, writing and checking. Cell ids are deterministic.

The notebooks are committed **with their outputs**, so that they read well on the code host and in
nbviewer. ``--execute`` builds each notebook from its sources and runs it with nbclient in a fresh
kernel, in a temporary copy of this folder, against the seeded simulator, with no ``APEX_*``
variables (``tutorials/executor.py``); widget state and widget outputs are dropped (the panel keeps
its static HTML record) and execution counts run 1, 2, 3... The test suite executes every notebook
again and fails when a committed output is stale (``tests/notebooks/test_notebooks.py``); the few
fields that change on every run (ids, wall-clock times, durations, temporary paths, figure bytes)
are listed and explained in ``tutorials/staleness.py``. After editing a tutorial, run ``--execute``
and commit the notebook.

Files written by the notebooks go to ``tutorial-output/`` next to the notebook (git-ignored) or to a
temporary directory; never into a tracked folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``tutorials`` sits next to this file, which is run as a script or loaded by path (the tests).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from nbformat.notebooknode import NotebookNode
from tutorials import (
    executor,
    nb01_explore_open_orders,
    nb02_preview_and_cancel,
    nb03_incident_postmortem,
    nb04_connect_to_a_gateway,
    nb05_team_journal,
    writer,
)

HERE = Path(__file__).resolve().parent

NOTEBOOKS: dict[str, list[NotebookNode]] = {
    module.FILENAME: module.CELLS
    for module in (
        nb01_explore_open_orders,
        nb02_preview_and_cancel,
        nb03_incident_postmortem,
        nb04_connect_to_a_gateway,
        nb05_team_journal,
    )
}


def build(name: str) -> NotebookNode:
    """The notebook ``name``, without outputs, with deterministic cell ids."""
    return writer.build(name, NOTEBOOKS[name])


def render(name: str) -> str:
    """The text of the notebook file ``name``, as it must be committed."""
    return writer.render(name, NOTEBOOKS[name])


def executed(name: str) -> NotebookNode:
    """The notebook ``name`` built from its sources and executed (cleaned, ready to commit)."""
    return executor.execute(build(name))


def execute_notebooks(selection: list[str]) -> int:
    """Regenerate the notebooks named in ``selection`` (all if empty) with their outputs."""
    names = [name for name in NOTEBOOKS if not selection or any(name.startswith(s) for s in selection)]
    if not names:
        print(f"no notebook matches {selection}; known: {', '.join(NOTEBOOKS)}")
        return 2
    for name in names:
        print(f"executing {name} ...", flush=True)
        (HERE / name).write_text(writer.text_of(executed(name)))
        print(f"wrote notebooks/{name}")
    return 0


def main(argv: list[str]) -> int:
    """The command line (see the module docstring)."""
    if "--execute" in argv:
        return execute_notebooks([arg for arg in argv if not arg.startswith("--")])
    check = "--check" in argv
    stale = writer.sync(NOTEBOOKS, HERE, check=check)
    if stale and check:
        print("stale notebooks (run notebooks/build_notebooks.py --execute): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
