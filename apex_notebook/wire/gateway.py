"""What the snapshot and enumeration reads need from a logged-in session (``Client`` provides it).

A small typed protocol, so that the layers above ``wire`` depend on what they use, not on the
front-door class: read-only calls and who the user is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["Gateway"]


class Gateway(Protocol):
    """A logged-in session that can make read-only calls (``apex_notebook.Client``)."""

    oms_id: int
    user_id: int
    username: str
    is_operator: bool
    permissions: frozenset[str]
    max_concurrency: int
    progress: bool
    base_url: str

    @property
    def quickest_reply(self) -> float:
        """The quickest round trip of the session so far, in seconds (inf before any reply)."""

    def read(self, name: str, payload: Mapping[str, Any], *, expect: type | None = None) -> Any:
        """One read-only APEX call (``Get*``); ``expect`` (list or dict) checks the reply's shape."""

    def instrument_symbols(self) -> dict[int, str]:
        """Instrument id -> symbol."""
