"""Talking to APEX: one call over HTTP (``rpc``), login and the session token (``session``), the
error tree (``errors``), settings from the environment (``settings``), ids and the ``ALL`` sentinel
(``ids``), many reads at once (``fetch``) and account enumeration (``accounts``).

The lowest layer: it imports nothing else of apex_notebook, and it is the only one that imports httpx.
"""
