"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from apex_notebook.audit.journal import Journal


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    """A fresh audit journal in the test's temporary folder, closed afterwards."""
    opened = Journal(str(tmp_path / "journal.sqlite"), create=True)
    yield opened
    opened.close()
