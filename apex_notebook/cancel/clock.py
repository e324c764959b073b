"""The gateway's clock at the send, bounded from below by the timestamps the gateway sent us.

The execution window is judged in *gateway* time. Client and gateway clocks differ (a test's
``ManualClock`` is months away from the wall clock), so the window start is a *proven lower bound*
of the gateway's time at the send: a gateway timestamp ``g`` read at local monotonic time ``m`` shows
the gateway clock was at least ``g - (m - m_send)`` at the send (and at least ``g`` when ``m`` is
before the send). The best bound seen (minus :data:`CLOCK_SLACK`) starts the window. Our own
cancelled targets tighten it as soon as they are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import pandas as pd

__all__ = ["CLOCK_SLACK", "GatewayClock"]

#: Seconds taken off the window start for millisecond rounding of gateway timestamps.
CLOCK_SLACK: Final = 0.05


def _ms(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


class GatewayClock:
    """A lower bound of the gateway's clock at the moment of the send, from timestamps it sent us.

    ``sent_at`` is the local monotonic time just before the send; ``start`` an already known bound
    (POSIX seconds, gateway time), e.g. from a journal when reconciling. Without ``sent_at`` new
    observations cannot be related to the send and are ignored.
    """

    def __init__(self, sent_at: float | None, start: float | None = None) -> None:
        self.sent_at = sent_at
        self._best = start

    def observe(self, records: Iterable[Mapping[str, Any]], read_at: float) -> None:
        """Take the newest ``LastUpdatedTime``/``ReceiveTime`` (ms, lower-cased keys) read at ``read_at``."""
        stamps = [s for r in records for s in (_ms(r.get("lastupdatedtime")), _ms(r.get("receivetime")))
                  if s is not None]
        if stamps:
            self.observe_ms(max(stamps), read_at)

    def observe_frame(self, frame: pd.DataFrame, read_at: float) -> None:
        """Same for an ORDER_SCHEMA frame (``last_updated_time`` / ``receive_time`` columns)."""
        stamps = [frame[c].max() for c in ("last_updated_time", "receive_time") if c in frame and len(frame)]
        known = [s for s in stamps if isinstance(s, pd.Timestamp) and not pd.isna(s)]
        if known:
            self.observe_ms(int(max(known).timestamp() * 1000), read_at)

    def observe_ms(self, stamp_ms: int, read_at: float) -> None:
        """One gateway timestamp (ms) that existed at local monotonic time ``read_at``."""
        if self.sent_at is None:
            return
        bound = stamp_ms / 1000.0 - max(0.0, read_at - self.sent_at)
        if self._best is None or bound > self._best:
            self._best = bound

    @property
    def start(self) -> float | None:
        """The window start (gateway POSIX seconds, slack included), or None if nothing was observed."""
        return None if self._best is None else self._best - CLOCK_SLACK
