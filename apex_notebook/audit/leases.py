"""Reconcile leases: one reconciler at a time per execution, recorded in the journal (``leases`` rows).

A lease is a row ``(execution_id, holder, action='acquire', expires_at)``; releasing appends
``action='release'``. The latest lease row of an execution decides: an unexpired ``acquire`` by another
holder blocks. Both functions run inside the journal's exclusive write transaction, so the check and
the append are one atomic step even across processes. ``expires_at`` is epoch seconds by the backend's
clock: this machine's for a SQLite file, the database server's for PostgreSQL (one clock for every
machine of a desk, so clock skew between laptops does not shorten or stretch a lease).
"""

from __future__ import annotations

from typing import Any

from apex_notebook.audit.chain import ChainWriter

__all__ = ["acquire", "latest_state", "release"]


def latest_state(writer: ChainWriter, execution_id: str) -> str | None:
    """The latest state of an execution (``None`` when it is not in the journal)."""
    found = writer.query("SELECT state FROM executions WHERE execution_id = ? ORDER BY seq DESC LIMIT 1",
                         [execution_id])
    return str(found[0][0]) if found else None


def _latest_lease(writer: ChainWriter, execution_id: str) -> tuple[Any, ...] | None:
    found = writer.query("SELECT holder, action, expires_at FROM leases WHERE execution_id = ? "
                         "ORDER BY seq DESC LIMIT 1", [execution_id])
    return found[0] if found else None


def acquire(writer: ChainWriter, execution_id: str, holder: str, *, seconds: float, now: float,
            recorded_at: str) -> bool:
    """Append an ``acquire`` row unless the execution is done, unknown, or leased by another holder."""
    if seconds <= 0:
        raise ValueError(f"a lease lasts a positive number of seconds, not {seconds!r}")
    if latest_state(writer, execution_id) in {None, "done"}:
        return False
    lease = _latest_lease(writer, execution_id)
    if lease is not None and lease[1] == "acquire" and lease[0] != holder and float(lease[2]) > now:
        return False
    writer.append("leases", {"execution_id": execution_id, "holder": holder, "action": "acquire",
                             "expires_at": now + seconds, "recorded_at": recorded_at})
    return True


def release(writer: ChainWriter, execution_id: str, holder: str, *, now: float, recorded_at: str) -> bool:
    """Append a ``release`` row when ``holder`` holds the lease; False (nothing written) otherwise."""
    lease = _latest_lease(writer, execution_id)
    if lease is None or lease[1] != "acquire" or lease[0] != holder:
        return False
    writer.append("leases", {"execution_id": execution_id, "holder": holder, "action": "release",
                             "expires_at": now, "recorded_at": recorded_at})
    return True
