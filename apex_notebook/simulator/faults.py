"""Fault injection: errors, HTTP statuses, rate limits, hangs, garbled bodies, latency.

Faults are armed per call name (case-insensitive; ``"*"`` matches every call) and consumed by
the calls they hit. Two families, on purpose:

* **Refused before the engine** (no state change): ``fail_next`` (a standard error object with
  the given errorcode), ``http_status_next`` (e.g. 503, plain-text body), ``rate_limit``
  (HTTP 429, plain-text body ``TOO MANY REQUESTS``; refused calls do not count).
* **Processed, reply lost**: ``hang_next`` (the call takes effect, the reply is held back for
  N seconds so the client times out) and ``malformed_next`` (the call takes effect, the reply
  body is not JSON). These are the ambiguous outcomes a client must verify, not repeat.

Rate-limit windows use the injected clock.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from .clock import Clock

__all__ = ["FaultDecision", "Faults"]


@dataclass
class FaultDecision:
    """What the faults say about one call."""

    rate_limited: bool = False
    errorcode: int | None = None
    http_status: int | None = None
    hang: float = 0.0
    malformed: bool = False
    latency: float = 0.0


def _times(times: int) -> int:
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise ValueError(f"times must be a positive int, got {times!r}")
    return times


class Faults:
    """The armed faults of one simulator (thread-safe)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._armed: dict[tuple[str, str], list[float]] = {}
        self._latency: dict[str, float] = {}
        self._limit: tuple[int, float] | None = None
        self._window: deque[float] = deque()

    def _arm(self, kind: str, name: str, value: float, times: int) -> None:
        with self._lock:
            self._armed[(kind, name.lower())] = [value, float(_times(times))]

    def fail_next(self, name: str, errorcode: int, times: int = 1) -> None:
        """The next ``times`` calls of ``name`` answer a standard error with ``errorcode``."""
        if isinstance(errorcode, bool) or not isinstance(errorcode, int) or errorcode <= 0:
            raise ValueError(f"errorcode must be a positive int, got {errorcode!r}")
        self._arm("fail", name, errorcode, times)

    def http_status_next(self, name: str, status: int, times: int = 1) -> None:
        """The next ``times`` calls of ``name`` answer HTTP ``status`` (e.g. 503) with a text body."""
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status (400..599), got {status!r}")
        self._arm("status", name, status, times)

    def hang_next(self, name: str, seconds: float, times: int = 1) -> None:
        """The next ``times`` calls of ``name`` take effect but reply only after ``seconds``."""
        if seconds <= 0:
            raise ValueError("seconds must be > 0")
        self._arm("hang", name, seconds, times)

    def malformed_next(self, name: str, times: int = 1) -> None:
        """The next ``times`` calls of ``name`` take effect but reply with a non-JSON body."""
        self._arm("malformed", name, 1, times)

    def latency(self, name: str, seconds: float) -> None:
        """Add ``seconds`` before every reply to ``name`` (0 removes it); on top of SimConfig.latency."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        with self._lock:
            if seconds:
                self._latency[name.lower()] = float(seconds)
            else:
                self._latency.pop(name.lower(), None)

    def rate_limit(self, max_requests: int | None, per_seconds: float = 1.0) -> None:
        """Allow at most ``max_requests`` calls per ``per_seconds`` (clock time); None disables."""
        with self._lock:
            self._window.clear()
            if max_requests is None:
                self._limit = None
                return
            if max_requests < 1 or per_seconds <= 0:
                raise ValueError("max_requests must be >= 1 and per_seconds > 0")
            self._limit = (max_requests, float(per_seconds))

    def clear(self) -> None:
        """Disarm every fault, latency and rate limit."""
        with self._lock:
            self._armed.clear()
            self._latency.clear()
            self._limit = None
            self._window.clear()

    def _take(self, kind: str, name: str) -> float | None:
        for key in ((kind, name), (kind, "*")):
            entry = self._armed.get(key)
            if entry is not None:
                entry[1] -= 1
                if entry[1] <= 0:
                    del self._armed[key]
                return entry[0]
        return None

    def decide(self, name: str) -> FaultDecision:
        """Consume the faults that apply to one call of ``name`` and say what they are."""
        lowered = name.lower()
        decision = FaultDecision()
        with self._lock:
            decision.latency = self._latency.get(lowered, 0.0) + self._latency.get("*", 0.0)
            if self._limit is not None:
                limit, period = self._limit
                now = self._clock.now()
                while self._window and self._window[0] <= now - period:
                    self._window.popleft()
                if len(self._window) >= limit:
                    decision.rate_limited = True
                    return decision
                self._window.append(now)
            status = self._take("status", lowered)
            if status is not None:
                decision.http_status = int(status)
                return decision
            code = self._take("fail", lowered)
            if code is not None:
                decision.errorcode = int(code)
                return decision
            decision.hang = self._take("hang", lowered) or 0.0
            decision.malformed = self._take("malformed", lowered) is not None
        return decision
