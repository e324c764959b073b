"""Reference data of the simulated OMS: products, instruments, accounts and the demo users.

The demo users are fixed so that the seed's examples (AccountId 9) work verbatim and the docs
can name them (password ``demo``; API key ``<name>-key``; secret ``<name>-secret``):

========  ======  ===============  =========================================
name      UserId  role             accounts
========  ======  ===============  =========================================
ops       1       Operator         1 (house account); may act on any account
trader    2       Trading          9, 10
trader2   3       Trading          9, 11 (account 9 is shared with trader)
viewer    4       AccountReadOnly  9
secure    5       Trading          12; 2FA with the fixed code ``123456``
========  ======  ===============  =========================================

Other accounts belong to synthetic users (UserId ``1000 + AccountId``) that cannot log in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEMO_PASSWORD", "MIN_ACCOUNTS", "Account", "Catalog", "Instrument", "Product", "User", "build_catalog",
]

DEMO_PASSWORD = "demo"
#: Accounts 1..12 must exist for the demo users.
MIN_ACCOUNTS = 12
NULL_DATE = "0001-01-01T00:00:00"
CREATED = "2025-06-01T09:00:00.000Z"


@dataclass(frozen=True, slots=True)
class Product:
    """An asset (``GetProducts`` row); ``usd_rate`` values it for position notionals."""

    product_id: int
    symbol: str
    full_name: str
    product_type: str
    decimal_places: int
    usd_rate: float

    def to_apex(self, oms_id: int) -> dict[str, Any]:
        """The PascalCase ``GetProducts`` object."""
        tick = 10.0 ** -self.decimal_places
        return {
            "OMSId": oms_id, "ProductId": self.product_id, "Product": self.symbol,
            "ProductFullName": self.full_name, "MasterDataUniqueProductSymbol": "",
            "ProductType": self.product_type, "DecimalPlaces": self.decimal_places, "TickSize": tick,
            "DepositEnabled": True, "WithdrawEnabled": True, "NoFees": False, "IsDisabled": False,
            "MarginEnabled": False,
        }


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable pair (``GetInstruments`` row) with the mid price orders are seeded around."""

    instrument_id: int
    product1: Product
    product2: Product
    mid: float
    price_increment: float
    quantity_increment: float
    weight: int

    @property
    def symbol(self) -> str:
        """E.g. ``"BTCUSD"``."""
        return self.product1.symbol + self.product2.symbol

    def to_apex(self, oms_id: int) -> dict[str, Any]:
        """The PascalCase ``GetInstruments`` / ``GetInstrument`` object."""
        return {
            "OMSId": oms_id, "InstrumentId": self.instrument_id, "Symbol": self.symbol,
            "Product1": self.product1.product_id, "Product1Symbol": self.product1.symbol,
            "Product2": self.product2.product_id, "Product2Symbol": self.product2.symbol,
            "InstrumentType": "Standard", "VenueInstrumentId": self.instrument_id, "VenueId": 1,
            "SortIndex": 0, "SessionStatus": "Running", "PreviousSessionStatus": "Stopped",
            "SessionStatusDateTime": CREATED, "SelfTradePrevention": True,
            "QuantityIncrement": self.quantity_increment, "PriceIncrement": self.price_increment,
            "MinimumQuantity": self.quantity_increment, "MinimumPrice": self.price_increment,
            "VenueSymbol": self.symbol, "IsDisable": False, "MasterDataId": 0,
            "PriceCollarThreshold": 0.0, "PriceCollarPercent": 0.0, "PriceCollarEnabled": False,
            "PriceFloorLimit": 0.0, "PriceFloorLimitEnabled": False, "PriceCeilingLimit": 0.0,
            "PriceCeilingLimitEnabled": False, "CreateWithMarketRunning": True,
            "AllowOnlyMarketMakerCounterParty": False, "PriceCollarIndexDifference": 0.0,
            "PriceCollarConvertToOtcEnabled": False, "PriceCollarConvertToOtcClientUserId": 0,
            "PriceCollarConvertToOtcAccountId": 0, "PriceCollarConvertToOtcThreshold": 0.0,
            "OtcConvertSizeThreshold": 0.0, "OtcConvertSizeEnabled": False, "OtcTradesPublic": True,
            "PriceTier": 0,
        }


@dataclass(frozen=True, slots=True)
class User:
    """A user: one role, the accounts it is associated with, and optional fixed 2FA code."""

    user_id: int
    name: str
    role: str
    accounts: tuple[int, ...]
    two_factor_code: str | None = None

    @property
    def api_key(self) -> str:
        """The user's API key (``<name>-key``)."""
        return f"{self.name}-key"

    @property
    def api_secret(self) -> str:
        """The user's API secret (``<name>-secret``)."""
        return f"{self.name}-secret"

    @property
    def email(self) -> str:
        """A fake e-mail address."""
        return f"{self.name}@apex-sim.local"

    def brief(self, oms_id: int) -> dict[str, Any]:
        """The ``User`` object embedded in authentication replies."""
        return {
            "UserId": self.user_id, "UserName": self.name, "Email": self.email, "EmailVerified": True,
            "AccountId": self.accounts[0] if self.accounts else 0, "OMSId": oms_id,
            "Use2FA": self.two_factor_code is not None,
        }

    def __repr__(self) -> str:
        return f"User({self.user_id}, {self.name!r}, {self.role})"


@dataclass(frozen=True, slots=True)
class Account:
    """An account of the OMS."""

    account_id: int
    name: str

    def to_apex(self, oms_id: int) -> dict[str, Any]:
        """The PascalCase ``GetAccountInfo`` object."""
        return {
            "OMSID": oms_id, "AccountId": self.account_id, "AccountName": self.name,
            "AccountHandle": None, "FirmId": None, "FirmName": None, "AccountType": "Asset",
            "FeeGroupID": 0, "ParentID": 0, "RiskType": "Normal", "VerificationLevel": 1,
            "FeeProductType": "BaseProduct", "FeeProduct": 0, "RefererId": 0, "LoyaltyProductId": 0,
            "LoyaltyEnabled": False, "MarginEnabled": False, "LiabilityAccountId": 0,
            "LendingAccountId": 0, "ProfitLossAccountId": 0, "VerificationLevelName": "Level 1",
            "CreditTier": 0, "PriceTier": 0, "Frozen": False,
        }


@dataclass
class Catalog:
    """All reference data, indexed for the handlers."""

    products: dict[int, Product]
    instruments: dict[int, Instrument]
    accounts: dict[int, Account]
    users: dict[int, User]
    users_by_name: dict[str, User] = field(init=False)
    account_traders: dict[int, tuple[int, ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.users_by_name = {user.name.lower(): user for user in self.users.values()}
        linked: dict[int, list[int]] = {}
        for user in self.users.values():
            if user.role == "AccountReadOnly":
                continue
            for account_id in user.accounts:
                linked.setdefault(account_id, []).append(user.user_id)
        self.account_traders = {key: tuple(value) for key, value in linked.items()}

    def user_name(self, user_id: int) -> str:
        """The name of a real or synthetic user."""
        user = self.users.get(user_id)
        return user.name if user is not None else f"user{user_id - 1000}"

    def traders_of(self, account_id: int) -> tuple[int, ...]:
        """UserIds that enter orders on an account (synthetic owner if none is a demo user)."""
        return self.account_traders.get(account_id, (1000 + account_id,))


_FIRMS = ("Northwind", "Bluefin", "Kestrel", "Aurora", "Halcyon", "Meridian", "Solstice", "Tamarack")
_DESKS = {1: "OMS House", 9: "Alpha Desk", 10: "Beta Desk", 11: "Gamma Desk", 12: "Secure Desk"}


def build_catalog(account_count: int) -> Catalog:
    """The fixed products, instruments and users, and ``account_count`` accounts (>= 12)."""
    if account_count < MIN_ACCOUNTS:
        raise ValueError(f"the simulator needs at least {MIN_ACCOUNTS} accounts (demo users use 1..12)")
    btc = Product(1, "BTC", "Bitcoin", "CryptoCurrency", 8, 60_000.0)
    usd = Product(2, "USD", "US Dollar", "NationalCurrency", 2, 1.0)
    eth = Product(3, "ETH", "Ether", "CryptoCurrency", 8, 3_000.0)
    eur = Product(4, "EUR", "Euro", "NationalCurrency", 2, 1.08)
    sol = Product(5, "SOL", "Solana", "CryptoCurrency", 6, 150.0)
    usdt = Product(6, "USDT", "Tether", "CryptoCurrency", 6, 1.0)
    ltc = Product(7, "LTC", "Litecoin", "CryptoCurrency", 8, 80.0)
    instruments = [
        Instrument(1, btc, usd, 60_000.0, 0.01, 0.0001, 30),
        Instrument(2, eth, usd, 3_000.0, 0.01, 0.001, 20),
        Instrument(3, btc, eur, 55_500.0, 0.01, 0.0001, 12),
        Instrument(4, eth, eur, 2_780.0, 0.01, 0.001, 10),
        Instrument(5, sol, usdt, 150.0, 0.001, 0.01, 14),
        Instrument(6, ltc, btc, 0.001333, 0.000001, 0.01, 8),
        Instrument(7, sol, usd, 150.0, 0.001, 0.01, 6),
    ]
    accounts = {
        i: Account(i, _DESKS.get(i, f"{_FIRMS[i % len(_FIRMS)]} {i:05d}"))
        for i in range(1, account_count + 1)
    }
    users = [
        User(1, "ops", "Operator", (1,)),
        User(2, "trader", "Trading", (9, 10)),
        User(3, "trader2", "Trading", (9, 11)),
        User(4, "viewer", "AccountReadOnly", (9,)),
        User(5, "secure", "Trading", (12,), two_factor_code="123456"),
    ]
    return Catalog(
        products={p.product_id: p for p in (btc, usd, eth, eur, sol, usdt, ltc)},
        instruments={i.instrument_id: i for i in instruments},
        accounts=accounts,
        users={u.user_id: u for u in users},
    )
