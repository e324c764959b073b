"""Talking to APEX: one call over HTTP (``rpc``), what may leave at all (``request_guard``), login and
the session token (``session``), the error tree (``errors``), secret masking (``masking``), URLs
without their user-info (``urls``), settings from the environment (``settings``), ids and the ``ALL``
sentinel (``ids``), many reads at once (``fetch``) and account enumeration (``accounts``).

The lowest layer: it imports nothing else of apex_notebook, and it is the only one that imports httpx.
"""
