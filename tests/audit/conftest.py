"""Fixtures of the journal tests: the simulator session (``sim_session``) and, for the PostgreSQL
backend, a throwaway cluster (``pg_cluster.py``) started once per test session, with a fresh database
per test (``pg_url``).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest
from sim_session import clock, ops, ops2, sim, trader  # noqa: F401  (fixtures)

from .pg_cluster import Cluster, find_tool, start_cluster


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One PostgreSQL server for the session (skipped, saying why, where PostgreSQL is not installed)."""
    if find_tool("initdb") is None or importlib.util.find_spec("psycopg") is None:
        pytest.skip("PostgreSQL journal tests need Debian's postgresql package and psycopg (see pg_cluster.py)")
    cluster = start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """The URL of a new, empty database on the session's cluster."""
    return pg_cluster.new_database()
