"""Deterministic, realistic open orders for a fresh OMS.

Every account gets ``orders_per_account`` Working orders drawn from ``random.Random(seed)``:
about 80 % limit, 10 % stop-market, 10 % stop-limit; both sides; limit prices 0.1-5 % away
from the instrument's mid on the passive side, stops on the other side; notionals of roughly
USD 100 to 50,000; receive times spread evenly over the six hours before ``now`` with OrderIds
increasing with ReceiveTime, as a real OMS assigns them (accounts take turns, so every account's
orders span the whole window); about 15 % of the limit orders partially filled; about 30 % carry
a ClientOrderId. The same seed and sizes always give the same orders, ids and timestamps (for the
same clock start).
"""

from __future__ import annotations

import math
import random
from itertools import accumulate

from .book import Book
from .catalog import Catalog, Instrument

__all__ = ["SEED_WINDOW_SECONDS", "seed_orders"]

#: Seeded receive times lie in ``[now - SEED_WINDOW_SECONDS, now)``.
SEED_WINDOW_SECONDS = 6 * 3600.0


def _round_to(value: float, increment: float) -> float:
    digits = max(0, -math.floor(math.log10(increment)))
    return round(round(value / increment) * increment, digits)


def _quantity(rng: random.Random, instrument: Instrument) -> float:
    notional_usd = math.exp(rng.uniform(math.log(100.0), math.log(50_000.0)))
    price_usd = instrument.mid * instrument.product2.usd_rate
    raw = notional_usd / price_usd
    return max(instrument.quantity_increment, _round_to(raw, instrument.quantity_increment))


def seed_orders(book: Book, catalog: Catalog, seed: int, orders_per_account: int, now: float) -> None:
    """Add ``orders_per_account`` deterministic Working orders to every account of ``catalog``."""
    if orders_per_account < 0:
        raise ValueError("orders_per_account must be >= 0")
    rng = random.Random(seed)
    instruments = list(catalog.instruments.values())
    cumulative = list(accumulate(instrument.weight for instrument in instruments))
    accounts = sorted(catalog.accounts)
    step = SEED_WINDOW_SECONDS / max(1, len(accounts) * orders_per_account)
    start = now - SEED_WINDOW_SECONDS
    sequence = 0
    for index in range(orders_per_account):
        for account_id in accounts:
            traders = catalog.traders_of(account_id)
            received = start + (sequence + rng.random()) * step
            sequence += 1
            instrument = rng.choices(instruments, cum_weights=cumulative)[0]
            side = "Buy" if rng.random() < 0.5 else "Sell"
            kind = rng.random()
            order_type = "Limit" if kind < 0.8 else ("StopMarket" if kind < 0.9 else "StopLimit")
            offset = rng.uniform(0.001, 0.05)
            passive = -1.0 if side == "Buy" else 1.0
            price = stop = 0.0
            if order_type == "Limit":
                price = _round_to(instrument.mid * (1 + passive * offset), instrument.price_increment)
            else:
                stop = _round_to(instrument.mid * (1 - passive * offset), instrument.price_increment)
                if order_type == "StopLimit":
                    price = _round_to(stop * (1 - passive * 0.002), instrument.price_increment)
            quantity = _quantity(rng, instrument)
            client_order_id = rng.randrange(1, 10**9) if rng.random() < 0.3 else 0
            order_id = book.place(
                account_id=account_id, instrument_id=instrument.instrument_id, side=side,
                order_type=order_type, price=price, stop_price=stop, quantity=quantity, at=received,
                client_order_id=client_order_id, entered_by=traders[index % len(traders)],
            )
            steps = round(quantity / instrument.quantity_increment)
            if order_type == "Limit" and steps >= 2 and rng.random() < 0.15:
                filled = _round_to(rng.randint(1, steps - 1) * instrument.quantity_increment,
                                   instrument.quantity_increment)
                row = book.row(order_id)
                assert row is not None
                book.fill(row, filled, received + rng.uniform(0.0, now - received))
