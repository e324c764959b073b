"""Fixtures of the tests that run the cancel pipeline against the in-process simulator (``sim_session``)."""

from sim_session import clock, ops, sim, trader  # noqa: F401  (fixtures)
