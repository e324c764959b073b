"""A throwaway PostgreSQL cluster for the journal tests: ``initdb`` + ``pg_ctl`` in a temporary folder,
listening on a Unix socket only (no TCP port to collide on), trust authentication, removed afterwards.

Needs Debian's ``postgresql`` package (``initdb``/``pg_ctl`` on PATH or under /usr/lib/postgresql)
and ``psycopg`` (``pip install "psycopg[binary]"``). As root, the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

#: A role that must authenticate with a password (``scram-sha-256``); every other role is trusted.
PASSWORD_ROLE = "desk_pw"


def find_tool(name: str) -> str | None:
    """``initdb`` / ``pg_ctl``: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@dataclass
class Cluster:
    """A running throwaway cluster."""

    base: Path
    socket_dir: Path
    user: str | None

    def url(self, database: str = "postgres") -> str:
        """A libpq URL for one database of the cluster (over the Unix socket)."""
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        name = f"j_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server immediately and remove its folder."""
        pg_ctl = find_tool("pg_ctl")
        assert pg_ctl is not None
        subprocess.run([pg_ctl, "-D", str(self.base / "data"), "-m", "immediate", "stop"], user=self.user,
                       capture_output=True, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def start_cluster() -> Cluster:
    """initdb + pg_ctl start in a new temporary folder; raises if the tools are missing or fail."""
    initdb, pg_ctl = find_tool("initdb"), find_tool("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise FileNotFoundError("initdb/pg_ctl not found: install Debian's postgresql package")
    base = Path(tempfile.mkdtemp(prefix="apex-pg-"))
    user = "postgres" if os.geteuid() == 0 else None
    socket_dir = base / "sock"
    socket_dir.mkdir()
    if user is not None:
        for path in (base, socket_dir):
            shutil.chown(path, user=user, group=None)
    data = base / "data"
    subprocess.run([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
                   user=user, capture_output=True, check=True)
    hba = data / "pg_hba.conf"  # one role must give a password (libpq credential tests); the rest is trusted
    hba.write_text(f"local all {PASSWORD_ROLE} scram-sha-256\n" + hba.read_text())
    options = f"-k {socket_dir} -c listen_addresses='' -c max_connections=60"
    subprocess.run([pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "server.log"), "-w", "start"],
                   user=user, capture_output=True, check=True)
    return Cluster(base, socket_dir, user)
