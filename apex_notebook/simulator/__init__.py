"""A faithful fake AlphaPoint APEX OMS for tests, demos and tutorials.

It speaks the documented HTTP wire format (``/AP/<Name>``, PascalCase replies, full order
objects), keeps users, accounts, instruments and seeded open orders, and can reproduce the
undocumented and dangerous behaviours (instrument-key spelling, AccountId 0, delayed cancels,
fills racing a cancel, latency, errors, 429s, hangs). It imports nothing from the rest of
``apex_notebook``.

Unknown call names get errorcode 106 ("Operation Not Supported"; see ``dispatch`` and
``SimConfig.unknown_call``): 104 would read as "no such order/account" to clients.

Module map. State: ``clock``, ``config``, ``catalog``, ``orders`` (compact order storage + the
46-field order object), ``book`` (account index, fills, scheduled events), ``market`` (resting
limit orders in price-time priority, matching), ``ledger`` (Amounts, Hold, journal), ``trades``
(one record per fill), ``revisions`` (order states), ``seeding``, ``engine``. Input:
``strict_json`` (ambiguous JSON refused), ``params`` (case-insensitive, strictly coerced payloads),
``replies``, ``permissions``, ``sessions``, ``context``, ``recording``, ``faults``. Calls:
``calls_*`` (one module per family: auth, info, positions, orders, order_entry, manage, history,
trades, cancel_all, ancillary, market, ws, ws_market), ``market_data`` (L1/L2/trades/candles).
Transport: ``dispatch`` (transport-neutral), ``http_gateway``, ``transport`` (in-process httpx),
``ws_frames``, ``ws_gateway``, ``subscriptions``, ``events``, ``trade_events``, ``market_feed``,
``server`` (ASGI + uvicorn, optional TLS), ``oms`` (``FakeOMS``).

>>> from apex_notebook.simulator import FakeOMS
>>> sim = FakeOMS.seeded(seed=7)
>>> len(sim.open_order_ids()), len(sim.open_order_ids(account_id=9))
(3000, 75)
"""

from .clock import ManualClock, SystemClock
from .config import SimConfig
from .oms import FakeOMS
from .recording import RecordedCall

__all__ = ["FakeOMS", "ManualClock", "RecordedCall", "SimConfig", "SystemClock"]
