"""The evidence: the append-only journal of executions (``journal``), its compact snapshot storage
(``codec``) and crash recovery (``reconcile``).

Imports ``cancel``, ``frames`` and ``wire``; never the user interface.
"""
