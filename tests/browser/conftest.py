"""Fixtures of the real-browser tests (the harness lives in ``voila_harness``, a uniquely named module)."""

from voila_harness import artifacts_dir, browser  # noqa: F401  (fixtures)
