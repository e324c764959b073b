"""Balances: what each account holds of each product (``Amount``) and what its open orders hold.

* ``Amount`` changes **only with fills**: a buy of ``q`` at ``p`` on instrument BASE/QUOTE
  adds ``q`` BASE and takes ``q * p`` QUOTE; a sell does the reverse. Each fill also pays a fee
  of ``q * p * rate`` in the QUOTE product — ``SimConfig.maker_fee`` for the resting side of a
  match, ``SimConfig.taker_fee`` otherwise (both 0 by default: no fees).
* ``Hold`` is derived from the account's Working orders whenever it is asked for: a buy holds
  ``remaining * price * (1 + the larger fee rate)`` of the quote product (the stop price for
  stop-market orders), a sell holds ``remaining`` of the base product. Available = Amount - Hold.
* Opening balances: after seeding, every account is funded (deterministically from the seed)
  with what its seeded open orders hold **plus** USD 250,000-1,000,000 worth of every product,
  so the demo's open orders are covered and test orders of ordinary size are accepted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .book import Book, Fill
from .catalog import Catalog
from .config import SimConfig
from .orders import FIRST_ORDER_ID

__all__ = ["Entry", "Ledger", "fee_of", "holds", "row_hold"]

_FUNDING_USD = (250_000.0, 1_000_000.0)


@dataclass(frozen=True, slots=True)
class Entry:
    """One movement of one product on one account (a GetAccountTransactions row)."""

    account_id: int
    product_id: int
    amount: float
    balance: float
    kind: str
    reference_id: int
    counterparty: int
    at_ms: int


def fee_of(fill: Fill, config: SimConfig) -> float:
    """The fee one fill pays, in the instrument's quote product."""
    rate = config.maker_fee if fill.maker else config.taker_fee
    return fill.quantity * fill.price * rate


def row_hold(book: Book, catalog: Catalog, row: int, fee_rate: float = 0.0) -> tuple[int, float]:
    """``(ProductId, quantity)`` one order holds (0 once it is closed); buys include ``fee_rate``."""
    table = book.table
    instrument = catalog.instruments[table.instrument[row]]
    remaining = table.remaining(row)
    if table.side[row] == 0:
        price = table.price[row] or table.stop_price[row]
        return instrument.product2.product_id, remaining * price * (1.0 + fee_rate)
    return instrument.product1.product_id, remaining


def holds(book: Book, catalog: Catalog, account_id: int, fee_rate: float = 0.0) -> dict[int, float]:
    """ProductId -> quantity held by the account's Working orders."""
    held = dict.fromkeys(catalog.products, 0.0)
    for row in book.open_rows([account_id]):
        product, quantity = row_hold(book, catalog, row, fee_rate)
        held[product] += quantity
    return held


class Ledger:
    """Amounts per account and product; listens to the book's fills."""

    def __init__(self, book: Book, catalog: Catalog, config: SimConfig) -> None:
        self.book = book
        self.catalog = catalog
        self.config = config
        self._amounts: dict[int, dict[int, float]] = {}
        #: Movements since the opening balances, per account, oldest first.
        self.journal: dict[int, list[Entry]] = {}
        self._journaling = False
        book.fill_listeners.append(self.apply)

    def amount(self, account_id: int, product_id: int) -> float:
        """The account's Amount of a product (0 when it never held any)."""
        return self._amounts.get(account_id, {}).get(product_id, 0.0)

    @property
    def fee_rate(self) -> float:
        """The larger of the maker and taker fee rates (what buy orders hold for)."""
        return max(self.config.maker_fee, self.config.taker_fee)

    def holds(self, account_id: int) -> dict[int, float]:
        """ProductId -> quantity held by the account's Working orders (fees included)."""
        return holds(self.book, self.catalog, account_id, self.fee_rate)

    def available(self, account_id: int, product_id: int) -> float:
        """Amount minus what the account's Working orders hold."""
        return self.amount(account_id, product_id) - self.holds(account_id)[product_id]

    def hold_of(self, row: int) -> dict[int, float]:
        """What one order holds, as ``{ProductId: quantity}``."""
        product, quantity = row_hold(self.book, self.catalog, row, self.fee_rate)
        return {product: quantity}

    def credit(self, account_id: int, product_id: int, quantity: float, reference: tuple[str, int, int, int]) -> None:
        """Add (or, negative, take) ``quantity`` of a product; ``reference`` = (kind, id, counterparty, ms)."""
        amounts = self._amounts.setdefault(account_id, {})
        decimals = self.catalog.products[product_id].decimal_places + 4
        amounts[product_id] = round(amounts.get(product_id, 0.0) + quantity, decimals)
        if self._journaling:
            kind, reference_id, counterparty, at_ms = reference
            self.journal.setdefault(account_id, []).append(
                Entry(account_id, product_id, quantity, amounts[product_id], kind, reference_id, counterparty, at_ms)
            )

    def apply(self, fill: Fill) -> None:
        """Move the products of one fill (book listener)."""
        table = self.book.table
        instrument = self.catalog.instruments[table.instrument[fill.row]]
        account = table.account[fill.row]
        sign = 1.0 if table.side[fill.row] == 0 else -1.0
        counterparty = table.account[fill.counter_row] if fill.counter_row is not None else 0
        reference = ("Trade", FIRST_ORDER_ID + fill.row, counterparty, fill.at_ms)
        self.credit(account, instrument.product1.product_id, sign * fill.quantity, reference)
        self.credit(account, instrument.product2.product_id, -sign * fill.quantity * fill.price, reference)
        fee = fee_of(fill, self.config)
        if fee:
            self.credit(account, instrument.product2.product_id, -fee, ("Fee", *reference[1:]))

    def fund_opening_balances(self, seed: int, at_ms: int) -> None:
        """Set every account's opening Amounts (what its open orders hold plus a seeded reserve),
        then journal every later movement; the opening balances are journaled as deposits at ``at_ms``."""
        accounts = self.catalog.accounts
        for account_id in accounts:
            held = self.holds(account_id)
            rng = random.Random(seed * 1_000_003 + account_id)
            amounts: dict[int, float] = {}
            for product in self.catalog.products.values():
                reserve = rng.uniform(*_FUNDING_USD) / product.usd_rate
                amounts[product.product_id] = round(held[product.product_id] + reserve, product.decimal_places)
            self._amounts[account_id] = amounts
            self.journal[account_id] = [Entry(account_id, product_id, amount, amount, "Deposit", 0, 0, at_ms)
                                        for product_id, amount in amounts.items()]
        self._journaling = True
