"""fetch_each: keys that arrive in pages are fetched as they arrive, within max_workers, nothing lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import pytest

from apex_notebook.wire.errors import ApexError, ClientClosedError, ServerError
from apex_notebook.wire.fetch import fetch_each, workers_for


class Pages:
    """Pages of keys, counting how many reads (pages and keys) are in flight at once."""

    def __init__(self, pages: list[list[int]], *, fail_at: int | None = None) -> None:
        self.pages, self.fail_at, self.read = pages, fail_at, 0
        self.in_flight = self.most_in_flight = 0
        self.lock = threading.Lock()

    def busy(self, work: Callable[[], object]) -> object:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(0.002)
            return work()
        finally:
            with self.lock:
                self.in_flight -= 1

    def more(self) -> Sequence[int]:
        def page() -> list[int]:
            if self.read == self.fail_at:
                raise ServerError("GetAllAccountPositions failed: HTTP 503", call="GetAllAccountPositions")
            self.read += 1
            return self.pages[self.read - 1] if self.read <= len(self.pages) else []
        return self.busy(page)  # type: ignore[return-value]

    def fetch(self, key: int) -> int:
        if key == 13:
            raise ServerError("GetOpenOrders failed: HTTP 500", call="GetOpenOrders")
        return self.busy(lambda: key * 10)  # type: ignore[return-value]


@pytest.mark.parametrize("workers", [1, 4])
def test_every_page_of_keys_is_fetched_and_a_failed_key_is_kept(workers: int) -> None:
    pages = Pages([list(range(10, 20)), list(range(20, 45))])
    results, failures = fetch_each(list(range(0, 10)), pages.fetch, max_workers=workers, progress=False,
                                   desc="GetOpenOrders", more=pages.more)
    assert sorted(results) == [k for k in range(45) if k != 13] and results[44] == 440
    assert list(failures) == [13] and isinstance(failures[13], ServerError)
    assert pages.read == 3  # two pages, then one more read, empty, ended it
    assert pages.most_in_flight <= workers  # the page reads count in max_workers


def test_page_reads_overlap_the_fetches_of_earlier_keys() -> None:
    pages = Pages([list(range(100, 140)), list(range(140, 180))])
    fetch_each(list(range(40)), pages.fetch, max_workers=4, progress=False, desc="x", more=pages.more)
    assert pages.most_in_flight == 4


@pytest.mark.parametrize("workers", [1, 4])
def test_a_failed_page_of_keys_is_raised_not_a_partial_result(workers: int) -> None:
    pages = Pages([list(range(10, 20))], fail_at=1)
    with pytest.raises(ServerError, match="GetAllAccountPositions failed"):
        fetch_each(list(range(10)), pages.fetch, max_workers=workers, progress=False, desc="x",
                   more=pages.more)


def test_a_closed_client_is_raised_at_once() -> None:
    def fetch(key: int) -> int:
        if key == 3:
            raise ClientClosedError("GetOpenOrders was not sent: this apex_notebook Client is closed",
                                    call="GetOpenOrders")
        return key

    with pytest.raises(ClientClosedError):
        fetch_each(list(range(8)), fetch, max_workers=4, progress=False, desc="x")
    assert issubclass(ClientClosedError, ApexError)


def test_progress_total_grows_with_each_page(capsys: pytest.CaptureFixture[str]) -> None:
    pages = Pages([list(range(30, 60))])
    results, _ = fetch_each(list(range(30)), pages.fetch, max_workers=4, progress=True, desc="GetOpenOrders",
                            more=pages.more)
    assert len(results) == 59
    shown = capsys.readouterr().err
    assert "/30 " in shown and "/60 " in shown  # 30 keys, then the second page of 30


@pytest.mark.parametrize(("quickest", "maximum", "workers"), [
    (float("inf"), 16, 16),  # nothing measured yet: what the user allowed
    (0.0004, 16, 4),         # a gateway answering at once: a few threads, not sixteen fighting for the GIL
    (0.006, 16, 9),
    (0.022, 16, 16),         # 20 ms away: every thread allowed
    (0.5, 16, 16),
    (0.0004, 2, 2),          # never more than max_concurrency
])
def test_snapshot_threads_follow_the_quickest_round_trip(quickest: float, maximum: int, workers: int) -> None:
    assert workers_for(maximum, quickest) == workers


def test_only_a_successful_reply_counts_as_a_round_trip() -> None:
    import httpx

    from apex_notebook.wire.rpc import Rpc

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/GetFast404"):
            return httpx.Response(404, text="not here")  # a proxy's instant refusal is no round trip
        time.sleep(0.01)
        return httpx.Response(200, json=[])

    rpc = Rpc(httpx.Client(transport=httpx.MockTransport(handle)), "http://gateway.test", max_retries=0)
    assert rpc.quickest_reply == float("inf")
    with pytest.raises(ApexError):
        rpc.call("GetFast404", {})
    assert rpc.quickest_reply == float("inf")
    rpc.call("GetOpenOrders", {"OMSId": 1, "AccountId": 9}, expect=list)
    assert 0.01 <= rpc.quickest_reply < 1.0
