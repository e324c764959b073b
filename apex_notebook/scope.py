"""Cancel scopes (work in progress by the safety engineer; ALL is importable)."""

from __future__ import annotations

from typing import Final


class _AllType:
    """The ALL sentinel: every account / every instrument."""

    _instance: _AllType | None = None

    def __new__(cls) -> _AllType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ALL"

    def __reduce__(self) -> str:
        return "ALL"


ALL: Final = _AllType()
