"""Many reads at once: :func:`fetch_each` runs one read per key on a bounded thread pool.

Per-account calls run concurrently (``max_workers``) over one shared ``httpx.Client``, with a
``tqdm.auto`` progress bar when more than :data:`PROGRESS_THRESHOLD` keys are fetched. The keys may
arrive in pages (``more``): the next page is read on the same pool, counted in ``max_workers``,
while the previous page's keys are being fetched. A failed key is never dropped: it is returned in
the failures, with its error. A closed client is not a per-key failure, and neither is a failed page
of keys: their error is raised at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from queue import SimpleQueue
from typing import Any, TypeVar, overload

from apex_notebook.wire.errors import ApexError, ClientClosedError

__all__ = ["FEWEST_WORKERS", "PROGRESS_THRESHOLD", "REPLY_CPU_SECONDS", "fetch_each", "workers_for"]

#: More keys than this show a progress bar (when progress is asked for).
PROGRESS_THRESHOLD = 20
#: Client CPU time assumed per reply when sizing a snapshot's pool (1-2 ms for 100 typed orders here).
REPLY_CPU_SECONDS = 0.001
#: Threads a snapshot keeps even when the gateway answers at once.
FEWEST_WORKERS = 3
T = TypeVar("T")
R = TypeVar("R")
#: The next page of keys (empty when there are no more).
MoreKeys = Callable[[], Sequence[int]]


def workers_for(max_concurrency: int, quickest_reply: float) -> int:
    """Threads for a snapshot: ``max_concurrency``, or fewer when the gateway answers in milliseconds.

    Little's law: to keep this process busy, the requests in flight must cover a round trip
    (``quickest_reply``, seconds) divided by the CPU time a reply costs here. A gateway 20 ms away
    gets every thread allowed; one answering in a millisecond gets :data:`FEWEST_WORKERS` and one or
    two more, because more threads would only fight for the interpreter lock (B1: 4 threads took
    0.68-0.92 of the time of 16 against a simulator answering at once). Never more than the user
    allowed.
    """
    if not math.isfinite(quickest_reply):
        return max_concurrency
    wanted = FEWEST_WORKERS + math.ceil(max(quickest_reply, 0.0) / REPLY_CPU_SECONDS)
    return max(1, min(max_concurrency, wanted))


@overload
def fetch_each(keys: Sequence[int], fetch: Callable[[int], T], *, max_workers: int, progress: bool,
               desc: str, more: MoreKeys | None = None) -> tuple[dict[int, T], dict[int, ApexError]]:
    """The replies themselves are the results."""


@overload
def fetch_each(keys: Sequence[int], fetch: Callable[[int], T], *, max_workers: int, progress: bool,
               desc: str, consume: Callable[[T], R], more: MoreKeys | None = None
               ) -> tuple[dict[int, R], dict[int, ApexError]]:
    """``consume(reply)`` is the result."""


def fetch_each(keys: Sequence[int], fetch: Callable[[int], Any], *, max_workers: int, progress: bool,
               desc: str, consume: Callable[[Any], Any] | None = None, more: MoreKeys | None = None
               ) -> tuple[dict[int, Any], dict[int, ApexError]]:
    """Run ``fetch(key)`` for every key on a bounded pool; return (results, failures) by key.

    ``consume`` (default: keep the reply as the result) turns each reply into its result in the
    calling thread as soon as it arrives, while the other requests are still in flight. ``more``
    (optional) returns the next page of keys, and an empty one when there are no more; it is called
    until then, each call while the keys before it are being fetched.
    """
    from tqdm.auto import tqdm  # imported when used: no notebook machinery at package import

    keep = consume or (lambda reply: reply)
    results: dict[int, Any] = {}
    failures: dict[int, ApexError] = {}
    show = progress and (len(keys) > PROGRESS_THRESHOLD or more is not None)
    with tqdm(total=len(keys), desc=desc, unit="account", disable=not show, leave=False) as bar:
        for key, outcome in _outcomes(keys, fetch, max_workers, more, bar):
            if isinstance(outcome, ApexError):
                failures[key] = outcome
            else:
                results[key] = keep(outcome)
            bar.update(1)
    return results, failures


def _outcomes(keys: Sequence[int], fetch: Callable[[int], Any], max_workers: int, more: MoreKeys | None,
              bar: Any) -> Iterator[tuple[int, Any]]:
    """(key, reply or its ApexError) as they arrive; a closed client or a failed page raises."""
    if max_workers <= 1 or (len(keys) <= 1 and more is None):
        yield from _one_by_one(keys, fetch, more, bar)
        return
    finished: SimpleQueue[Future[Any]] = SimpleQueue()  # futures in the order they finish
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="apex-snapshot") as pool:
        pending: dict[Future[Any], int | None] = {}  # None: the read of the next page of keys

        def submit(job: Callable[..., Any], *args: int) -> Future[Any]:
            future = pool.submit(job, *args)
            future.add_done_callback(finished.put)
            return future

        def submit_page(page: Sequence[int]) -> None:
            if more is not None:
                pending[submit(more)] = None  # first in the queue: the page read is not starved
            for key in page:
                pending[submit(fetch, key)] = key

        try:
            submit_page(keys)
            while pending:
                future = finished.get()
                key = pending.pop(future)
                if key is not None:
                    yield key, _result(future)
                elif page := future.result():  # a failed page is the snapshot's failure
                    bar.total += len(page)
                    bar.refresh()
                    submit_page(page)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _one_by_one(keys: Sequence[int], fetch: Callable[[int], Any], more: MoreKeys | None,
                bar: Any) -> Iterator[tuple[int, Any]]:
    page: Sequence[int] = keys
    while True:
        for key in page:
            try:
                yield key, fetch(key)
            except ClientClosedError:
                raise
            except ApexError as exc:
                yield key, exc
        page = more() if more is not None else []
        if not page:
            return
        bar.total += len(page)


def _result(future: Future[Any]) -> Any:
    """The reply, or the ApexError of a failed key (a closed client is raised)."""
    try:
        return future.result()
    except ClientClosedError:
        raise
    except ApexError as exc:
        return exc
