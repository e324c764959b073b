"""The safety pipeline of a cancel: scope -> plan (preview) -> execute (drift check, intent, send)
-> verify (+ collateral) -> result. DESIGN §2's execution order, one module per step.

Imports ``frames`` and ``wire``; it reaches the gateway and the journal only through the protocols of
``protocol`` (``CancelClient``, ``ExecutionJournal``).
"""
