"""Child-process bodies for the multi-process journal tests (run with the ``fork`` start method)."""

from __future__ import annotations

from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier, Event

from cancel_fakes import result_for

from apex_notebook.audit.journal import Journal
from apex_notebook.wire.errors import JournalError


def reconcile_race(path: str, holder: str, execution_ids: list[str], start: Barrier, out: Queue) -> None:  # type: ignore[type-arg]
    """For each execution: wait for the other racer, then take the lease and finish, or report why not."""
    with Journal(path) as journal:
        for eid in execution_ids:
            start.wait()
            if not journal.acquire_lease(eid, holder, 60.0):
                out.put((eid, holder, "no lease"))
                continue
            try:
                journal.finish(result_for(eid), note=f"reconciled by {holder}")
                out.put((eid, holder, "finished"))
            except JournalError as exc:
                out.put((eid, holder, f"refused: {exc}"))
            journal.release_lease(eid, holder)


def finish_race(path: str, holder: str, execution_ids: list[str], start: Barrier, out: Queue) -> None:  # type: ignore[type-arg]
    """For each execution: wait for the other racer, then finish it without any lease."""
    with Journal(path) as journal:
        for eid in execution_ids:
            start.wait()
            try:
                journal.finish(result_for(eid), note=f"finished by {holder}")
                out.put((eid, holder, "finished"))
            except JournalError as exc:
                out.put((eid, holder, "already finished" if "already finished" in str(exc) else str(exc)))


def append_events(path: str, started: Event, stop: Event) -> None:
    """Append events (each its own transaction) until told to stop."""
    with Journal(path) as journal:
        journal.begin("busy", {"reason": "writer"}, {})
        n = 0
        while not stop.is_set():
            journal.event("busy", "poll", {"n": n})
            n += 1
            if n == 20:
                started.set()


def write_executions(path: str, writer: str, count: int) -> None:
    """``count`` whole executions (intent, ack, poll, outcomes, done), as one process would write them."""
    with Journal(path) as journal:
        for i in range(count):
            eid = f"{writer}-{i}"
            journal.begin(eid, {"reason": f"writer {writer}"}, {})
            journal.state(eid, "acked", ack={"status": "ok"})
            journal.event(eid, "poll", {"pending": 0})
            journal.finish(result_for(eid))
