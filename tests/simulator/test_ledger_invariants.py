"""Invariants of balances and the book over random interleavings of order entry, replacement,
modification and cancellation by many accounts (seeded, so every run is the same run).

* Products are conserved: trades move them between accounts, nothing creates or destroys them
  (fees leave the accounts: they are counted back in).
* No account ever has negative available balance (Amount - Hold) or negative Amount.
* Hold always equals what the account's Working orders hold.
* The book never crosses (orders entered by calls match instead of resting through each other).
* Each execution's maker and taker quantities agree.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock

from .conftest import call


def positions(ops: httpx.Client) -> list[dict[str, Any]]:
    rows = call(ops, "GetAllAccountPositions", OMSId=1, Limit=1000)
    assert isinstance(rows, list)
    return rows


def random_order(rng: random.Random, sim: FakeOMS) -> dict[str, Any]:
    instrument = sim.catalog.instruments[rng.randint(1, 7)]
    order: dict[str, Any] = {
        "OMSId": 1, "AccountId": rng.randint(1, 14), "InstrumentId": instrument.instrument_id,
        "Side": rng.randint(0, 1), "Quantity": round(instrument.quantity_increment * rng.randint(1, 400), 8),
        "TimeInForce": rng.choice([1, 1, 1, 3, 4]),
    }
    if rng.random() < 0.2:
        order["OrderType"] = 1
    else:
        order["OrderType"] = 2
        order["LimitPrice"] = round(instrument.mid * rng.uniform(0.99, 1.01), 6)
    return order


def step(rng: random.Random, sim: FakeOMS, ops: httpx.Client) -> None:
    roll = rng.random()
    open_ids = sorted(sim.open_order_ids())
    if roll < 0.6 or not open_ids:
        call(ops, "SendOrder", **random_order(rng, sim))
        return
    order = sim.order(rng.choice(open_ids))
    base = {"OMSId": 1, "AccountId": order["Account"]}
    if roll < 0.8:
        call(ops, "CancelOrder", **base, OrderId=order["OrderId"])
    elif roll < 0.9 and order["OrderType"] == "Limit":
        call(ops, "CancelReplaceOrder", **base, OrderIdToReplace=order["OrderId"],
             LimitPrice=round(order["Price"] * rng.uniform(0.995, 1.005), 6), Quantity=order["Quantity"])
    elif order["Quantity"] > 0:
        call(ops, "ModifyOrder", **base, OrderId=order["OrderId"], InstrumentId=order["Instrument"],
             Quantity=round(order["Quantity"] / 2, 10))


def check(sim: FakeOMS, ops: httpx.Client, totals: dict[int, float], fees: dict[int, float]) -> None:
    rows = positions(ops)
    now: dict[int, float] = defaultdict(float)
    for row in rows:
        now[row["ProductId"]] += row["Amount"]
        assert row["Amount"] >= -1e-6 and row["Amount"] - row["Hold"] >= -1e-6, row
    for product, total in totals.items():
        assert now[product] + fees.get(product, 0.0) == pytest.approx(total, rel=1e-9, abs=1e-6), product
    for instrument in sim.catalog.instruments:
        levels = call(ops, "GetL2Snapshot", OMSId=1, InstrumentId=instrument, Depth=1)
        bids = [e[6] for e in levels if e[9] == 0]  # type: ignore[union-attr]
        asks = [e[6] for e in levels if e[9] == 1]  # type: ignore[union-attr]
        if bids and asks:
            assert bids[0] < asks[0], (instrument, bids, asks)


def fees_paid(ops: httpx.Client) -> dict[int, float]:
    """Fees per product so far (they leave the accounts: conservation counts them)."""
    paid: dict[int, float] = defaultdict(float)
    for trade in call(ops, "GetTradesHistory", OMSId=1, Depth=100_000):  # type: ignore[union-attr]
        paid[trade["FeeProductId"]] += trade["Fee"]
    return paid


@pytest.mark.parametrize(("seed", "fee"), [(1, 0.0), (2, 0.0), (3, 0.0), (4, 0.003)])
def test_random_interleavings_keep_the_invariants(seed: int, fee: float) -> None:
    sim = FakeOMS.seeded(seed=seed, accounts=14, orders_per_account=8, clock=ManualClock())
    sim.config.maker_fee, sim.config.taker_fee = fee / 3, fee
    ops = httpx.Client(transport=sim.transport(), base_url=sim.url)
    ops.headers["aptoken"] = ops.get("/AP/Authenticate", auth=("ops", "demo")).json()["SessionToken"]
    totals: dict[int, float] = defaultdict(float)
    for row in positions(ops):
        totals[row["ProductId"]] += row["Amount"]
    rng = random.Random(seed)
    for _ in range(200):
        step(rng, sim, ops)
        check(sim, ops, totals, fees_paid(ops) if fee else {})
    trades = call(ops, "GetTradesHistory", OMSId=1, Depth=100_000)
    by_execution: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for trade in trades:  # type: ignore[union-attr]
        by_execution[trade["ExecutionId"]][trade["MakerTaker"]] += trade["Quantity"]
    matched = [sides for sides in by_execution.values() if "Maker" in sides]
    assert len(matched) > 20  # the walk really traded
    assert all(sides["Maker"] == pytest.approx(sides["Taker"]) for sides in matched)
