"""Many reads at once: :func:`fetch_each` runs one read per key on a bounded thread pool.

Per-account calls run concurrently (``max_workers``) over one shared ``httpx.Client``, with a
``tqdm.auto`` progress bar when more than :data:`PROGRESS_THRESHOLD` keys are fetched. A failed key is
never dropped: it is returned in the failures, with its error. A closed client is not a per-key
failure: its :class:`ClientClosedError` is raised at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, TypeVar, overload

from apex_notebook.wire.errors import ApexError, ClientClosedError

__all__ = ["PROGRESS_THRESHOLD", "fetch_each"]

#: More keys than this show a progress bar (when progress is asked for).
PROGRESS_THRESHOLD = 20
T = TypeVar("T")
R = TypeVar("R")


@overload
def fetch_each(keys: Sequence[int], fetch: Callable[[int], T], *, max_workers: int, progress: bool,
               desc: str) -> tuple[dict[int, T], dict[int, ApexError]]:
    """The replies themselves are the results."""


@overload
def fetch_each(keys: Sequence[int], fetch: Callable[[int], T], *, max_workers: int, progress: bool,
               desc: str, consume: Callable[[T], R]) -> tuple[dict[int, R], dict[int, ApexError]]:
    """``consume(reply)`` is the result."""


def fetch_each(keys: Sequence[int], fetch: Callable[[int], Any], *, max_workers: int, progress: bool,
               desc: str, consume: Callable[[Any], Any] | None = None
               ) -> tuple[dict[int, Any], dict[int, ApexError]]:
    """Run ``fetch(key)`` for every key on a bounded pool; return (results, failures) by key.

    ``consume`` (default: keep the reply as the result) turns each reply into its result in the
    calling thread as soon as it arrives, while the other requests are still in flight.
    """
    from tqdm.auto import tqdm  # imported when used: no notebook machinery at package import

    keep = consume or (lambda reply: reply)
    results: dict[int, Any] = {}
    failures: dict[int, ApexError] = {}
    show = progress and len(keys) > PROGRESS_THRESHOLD
    with tqdm(total=len(keys), desc=desc, unit="account", disable=not show, leave=False) as bar:
        if max_workers <= 1 or len(keys) <= 1:
            for key in keys:
                try:
                    reply = fetch(key)
                except ClientClosedError:
                    raise
                except ApexError as exc:
                    failures[key] = exc
                else:
                    results[key] = keep(reply)
                bar.update(1)
            return results, failures
        with ThreadPoolExecutor(max_workers=min(max_workers, len(keys)),
                                thread_name_prefix="apex-snapshot") as pool:
            futures = {pool.submit(fetch, key): key for key in keys}
            try:
                for future in as_completed(futures):
                    key = futures[future]
                    try:
                        reply = future.result()
                    except ClientClosedError:
                        raise
                    except ApexError as exc:
                        failures[key] = exc
                    else:
                        results[key] = keep(reply)
                    bar.update(1)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    return results, failures
