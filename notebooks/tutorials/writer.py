"""Turn lists of cells into notebook files: build, render, and write or check against the disk.

Cells get deterministic ids (``nbNN-MM``). The committed notebooks carry their outputs (written by
``build_notebooks.py --execute``, see :mod:`executor`); their *sources* must be exactly what the
generator builds, which :func:`same_sources` checks whatever the outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode


def build(name: str, sources: Sequence[NotebookNode]) -> NotebookNode:
    """The notebook ``name`` made of ``sources``, without outputs, with deterministic cell ids."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    prefix = name[:2]
    cells = []
    for index, source in enumerate(sources):
        cell = nbformat.from_dict(dict(source))
        cell["id"] = f"nb{prefix}-{index:02d}"
        cells.append(cell)
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def render(name: str, sources: Sequence[NotebookNode]) -> str:
    """The text of the notebook file ``name`` without outputs."""
    return text_of(build(name, sources))


def text_of(nb: NotebookNode) -> str:
    """The text of a notebook file, as committed (nbformat's layout and a final newline)."""
    return nbformat.writes(nb) + "\n"


def _sources(nb: NotebookNode) -> list[tuple[str, str, str]]:
    return [(cell.get("id", ""), cell.cell_type, cell.source) for cell in nb.cells]


def same_sources(path: Path, name: str, sources: Sequence[NotebookNode]) -> bool:
    """Whether the notebook file at ``path`` has exactly the cells the generator builds (outputs aside)."""
    return path.exists() and _sources(nbformat.read(path, as_version=4)) == _sources(build(name, sources))


def is_executed(path: Path) -> bool:
    """Whether every code cell of the notebook at ``path`` was executed (it has an execution count)."""
    nb = nbformat.read(path, as_version=4)
    return all(cell.execution_count is not None for cell in nb.cells if cell.cell_type == "code")


def sync(notebooks: Mapping[str, Sequence[NotebookNode]], folder: Path, *, check: bool) -> list[str]:
    """Write every notebook whose sources changed into ``folder``, or (``check``) only compare.

    A notebook whose sources are unchanged keeps its file, outputs included; a changed one is written
    without outputs (run ``--execute`` next). Returns the names that are stale: sources that differ
    from the generator's, or (``check``) a notebook committed without outputs.
    """
    stale = []
    for name, sources in notebooks.items():
        path = folder / name
        if same_sources(path, name, sources):
            if check and not is_executed(path):
                stale.append(name)
            continue
        stale.append(name)
        if not check:
            path.write_text(render(name, sources))
            print(f"wrote {path.relative_to(folder.parent)} (sources changed: run --execute for its outputs)")
    return stale
