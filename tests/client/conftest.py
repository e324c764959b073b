"""Fixtures of the tests that drive a Client against a scripted fake gateway (``client_fakes``)."""

from client_fakes import gateway, make_client  # noqa: F401  (fixtures)
