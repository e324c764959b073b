"""Clocks for the simulator: real time or a hand-driven test clock.

Every time-dependent behaviour of the simulated OMS (order timestamps, session idle expiry,
delayed cancels, rate-limit windows) reads the injected clock, never ``time.time()`` directly,
so tests can move time forward without sleeping.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["DEFAULT_START", "Clock", "ManualClock", "SystemClock"]

#: 2026-01-01T00:00:00Z, the default start of a :class:`ManualClock`.
DEFAULT_START = 1_767_225_600.0


class Clock(Protocol):
    """Anything with ``now()`` returning POSIX seconds as a float."""

    def now(self) -> float:
        """Return the current time in POSIX seconds."""
        ...


class SystemClock:
    """The wall clock (``time.time()``)."""

    def now(self) -> float:
        """Return the current wall-clock time in POSIX seconds."""
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that only moves when told to; thread-safe.

    >>> clock = ManualClock(start=100.0)
    >>> clock.advance(5)
    105.0
    """

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the clock's current time in POSIX seconds."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (>= 0) and return the new time."""
        if seconds < 0:
            raise ValueError("a ManualClock cannot move backwards")
        with self._lock:
            self._now += float(seconds)
            return self._now

    def set(self, when: float) -> None:
        """Jump to the absolute time ``when``; it must not be earlier than now."""
        with self._lock:
            if when < self._now:
                raise ValueError("a ManualClock cannot move backwards")
            self._now = float(when)

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now()!r})"
