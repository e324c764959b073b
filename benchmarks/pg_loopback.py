"""A throwaway PostgreSQL server on TCP loopback for B8: ``initdb`` + ``pg_ctl`` in a temporary folder.

The approach of ``tests/audit/pg_cluster.py`` (Debian's ``postgresql`` package, trust authentication,
run as the ``postgres`` user when we are root), except that the server listens on ``127.0.0.1`` on a
free port (the benchmark measures the journal over TCP loopback, as a desk's notebooks would reach a
database server, minus the network). Durability settings are PostgreSQL's defaults (``fsync`` and
``synchronous_commit`` on), comparable to the SQLite journal's ``synchronous=FULL``.

The server is stopped (``pg_ctl stop -m immediate``) and its folder removed by :meth:`LoopbackCluster.stop`.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path


def find_tool(name: str) -> str | None:
    """``initdb`` / ``pg_ctl``: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LoopbackCluster:
    """A running throwaway server on 127.0.0.1:``port``."""

    base: Path
    port: int
    user: str | None

    def url(self, database: str = "postgres") -> str:
        """A libpq URL for one database, over TCP loopback."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        name = f"b8_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def settings(self) -> str:
        """The server's version and durability settings, in one line."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            values = [str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
                      for name in ("server_version", "fsync", "synchronous_commit", "wal_sync_method")]
        return "PostgreSQL {}; fsync={}, synchronous_commit={}, wal_sync_method={}".format(*values)

    def stop(self) -> None:
        """Stop the server immediately and remove its folder."""
        pg_ctl = find_tool("pg_ctl")
        if pg_ctl is not None:
            subprocess.run([pg_ctl, "-D", str(self.base / "data"), "-m", "immediate", "stop"], user=self.user,
                           capture_output=True, check=False, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


def start_loopback_cluster(max_connections: int = 60) -> LoopbackCluster:
    """initdb + pg_ctl start on 127.0.0.1 (a free port) in a new temporary folder; raises if that fails."""
    initdb, pg_ctl = find_tool("initdb"), find_tool("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise FileNotFoundError("initdb/pg_ctl not found: install Debian's postgresql package")
    base = Path(tempfile.mkdtemp(prefix="apex-b8-pg-"))
    user = "postgres" if os.geteuid() == 0 else None
    socket_dir = base / "sock"
    socket_dir.mkdir()
    if user is not None:
        for path in (base, socket_dir):
            shutil.chown(path, user=user, group=None)
    data = base / "data"
    subprocess.run([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
                   user=user, capture_output=True, check=True, timeout=300)
    port = _free_port()
    options = (f"-k {socket_dir} -c listen_addresses=127.0.0.1 -c port={port} "
               f"-c max_connections={max_connections}")
    subprocess.run([pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "server.log"), "-w", "-t", "120",
                    "start"], user=user, capture_output=True, check=True, timeout=180)
    return LoopbackCluster(base, port, user)
