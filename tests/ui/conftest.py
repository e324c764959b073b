"""Fixtures of the UI tests: matplotlib's Agg backend and an in-memory client for the panel.

Helpers live in ``ui_fakes.py`` (a uniquely named module), not here: ``from conftest import ...`` is
ambiguous when several test folders have a conftest.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from ui_fakes import FakeClient, make_orders


@pytest.fixture
def orders() -> pd.DataFrame:
    return make_orders([
        (101, 9, 1, "Buy"), (102, 9, 1, "Sell"), (103, 9, 2, "Buy"),
        (104, 10, 1, "Buy"), (105, 10, 3, "Sell"), (106, 11, 1, "Sell"),
    ])


@pytest.fixture
def fake_client() -> Iterator[FakeClient]:
    yield FakeClient()


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anything written to the working directory (a default journal) lands in a temporary folder."""
    monkeypatch.chdir(tmp_path)
