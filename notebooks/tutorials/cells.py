"""Cell helpers shared by the tutorial sources: ``md(...)`` for prose, ``code(...)`` for code.

Keep cells short, one idea each. Sources are dedented and stripped of leading/trailing newlines, so
they can be written as indented triple-quoted strings.
"""

from __future__ import annotations

import textwrap

import nbformat
from nbformat.notebooknode import NotebookNode

#: Folder (next to the notebooks) where the tutorials write their files; git-ignored.
OUTPUT_DIR = "tutorial-output"


def md(text: str) -> NotebookNode:
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text: str) -> NotebookNode:
    return nbformat.v4.new_code_cell(textwrap.dedent(text).strip("\n"))
