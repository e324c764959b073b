"""Turn lists of cells into notebook files: build, render, and write or check against the disk.

Notebooks carry no outputs and get deterministic cell ids (``nbNN-MM``), so that a rebuild of
unchanged sources gives byte-identical files.
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
    """The text of the notebook file ``name``."""
    return nbformat.writes(build(name, sources)) + "\n"


def sync(notebooks: Mapping[str, Sequence[NotebookNode]], folder: Path, *, check: bool) -> list[str]:
    """Write every notebook into ``folder``, or (``check``) only compare; return the stale names."""
    stale = []
    for name, sources in notebooks.items():
        path = folder / name
        text = render(name, sources)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
            print(f"wrote {path.relative_to(folder.parent)}")
    return stale
