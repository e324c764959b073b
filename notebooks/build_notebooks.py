#!/usr/bin/env python3
"""Write the tutorial notebooks of ``notebooks/`` from their sources in ``notebooks/tutorials/``.

Usage (from the repository root)::

    .venvs/test/bin/python notebooks/build_notebooks.py           # (re)write every notebook
    .venvs/test/bin/python notebooks/build_notebooks.py --check   # exit 1 if a notebook is stale

The sources are the source of truth: one module per notebook (``tutorials/nbNN_*.py``, each a list
of cells), ``tutorials/cells.py`` for the ``md(...)``/``code(...)`` helpers and
``tutorials/writer.py`` for building, writing and checking.

The notebooks are committed **without outputs**: their outputs could only ever come from the
simulator, they would make every diff noisy, and the test suite executes every notebook fresh
(``tests/notebooks/test_notebooks.py``). Cell ids are deterministic so that a rebuild of unchanged
sources gives byte-identical files.

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
    nb01_explore_open_orders,
    nb02_preview_and_cancel,
    nb03_incident_postmortem,
    nb04_connect_to_a_gateway,
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
    )
}


def build(name: str) -> NotebookNode:
    """The notebook ``name``, without outputs, with deterministic cell ids."""
    return writer.build(name, NOTEBOOKS[name])


def render(name: str) -> str:
    """The text of the notebook file ``name``, as it must be committed."""
    return writer.render(name, NOTEBOOKS[name])


def main(argv: list[str]) -> int:
    stale = writer.sync(NOTEBOOKS, HERE, check="--check" in argv)
    if stale:
        print("stale notebooks (run notebooks/build_notebooks.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
