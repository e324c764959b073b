"""The sources of the tutorial notebooks, one module per notebook (``nbNN_*``).

Each notebook module exposes ``FILENAME`` (the ``.ipynb`` it becomes) and ``CELLS`` (its cells, built
with :func:`cells.md` and :func:`cells.code`). ``notebooks/build_notebooks.py`` is the entry point
that writes, executes or checks them (see :mod:`writer`; :mod:`executor` runs a notebook and cleans
its outputs for committing; :mod:`staleness` compares committed outputs with a fresh execution).
"""
