"""The panel's scope pickers: which account(s) and which instrument(s) a cancel would hit.

Both pickers start on a "choose ..." placeholder: nothing, and certainly not "all", is chosen for
the user (DESIGN §2.1). The "ALL accounts on the OMS" choice exists only for an Operator, and sits
**last**, after a separator line, far from the placeholder (one slip of the arrow key never reaches
it); choosing it marks the picker dangerous and shows a red banner. The separator chooses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd

from apex_notebook.cancel.scope import ALL
from apex_notebook.frames import html as hp
from apex_notebook.wire.errors import ScopeError
from apex_notebook.wire.ids import check_id

__all__ = ["ALL_ACCOUNTS_LABEL", "ALL_INSTRUMENTS_LABEL", "SEPARATOR_LABEL", "ScopePicker", "account_options",
           "instrument_options"]

ALL_ACCOUNTS_LABEL = "⚠ ALL ACCOUNTS on the OMS (AccountId 0) — every order of every account"
SEPARATOR_LABEL = "──────────── operator only ────────────"
ALL_INSTRUMENTS_LABEL = "ALL instruments"
_PLACEHOLDER_ACCOUNT = ("— choose an account —", None)
_PLACEHOLDER_INSTRUMENT = ("— choose an instrument —", None)

Option = tuple[str, Any]


def account_options(accounts: pd.DataFrame, *, is_operator: bool) -> list[Option]:
    """Dropdown options from ``client.accounts()``: placeholder, each account, [separator, ALL for Operators]."""
    options: list[Option] = [_PLACEHOLDER_ACCOUNT]
    names = accounts["account_name"] if "account_name" in accounts else pd.Series(pd.NA, index=accounts.index)
    roles = accounts["permission"] if "permission" in accounts else pd.Series(pd.NA, index=accounts.index)
    for ident, name, role in zip(accounts["account_id"], names, roles, strict=True):
        if pd.isna(ident):
            continue
        label = f"{int(ident)} — {name}" if not pd.isna(name) and str(name) else str(int(ident))
        if not pd.isna(role) and str(role).lower() == "accountreadonly":
            label += " (read-only)"
        options.append((label, int(ident)))
    if is_operator:
        options += [(SEPARATOR_LABEL, None), (ALL_ACCOUNTS_LABEL, ALL)]
    return options


def instrument_options(instruments: pd.DataFrame) -> list[Option]:
    """Dropdown options from ``client.instruments()``: placeholder, ALL instruments, each symbol (id)."""
    options: list[Option] = [_PLACEHOLDER_INSTRUMENT, (ALL_INSTRUMENTS_LABEL, ALL)]
    symbols = instruments["symbol"] if "symbol" in instruments else pd.Series(pd.NA, index=instruments.index)
    for ident, symbol in zip(instruments["instrument_id"], symbols, strict=True):
        if pd.isna(ident):
            continue
        named = not pd.isna(symbol) and str(symbol)
        label = f"{symbol} ({int(ident)})" if named else f"instrument {int(ident)}"
        options.append((label, int(ident)))
    return options


class ScopePicker(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Account and instrument dropdowns; ``selection`` is ``(account, instrument)`` or None."""

    def __init__(self, accounts: pd.DataFrame, instruments: pd.DataFrame, *, is_operator: bool,
                 oms_id: int) -> None:
        wide = widgets.Layout(width="420px")
        self.account = widgets.Dropdown(options=account_options(accounts, is_operator=is_operator),
                                        value=None, description="Account", layout=wide)
        self.account.add_class("apex-account")
        self.instrument = widgets.Dropdown(options=instrument_options(instruments), value=None,
                                           description="Instrument", layout=wide)
        self.instrument.add_class("apex-instrument")
        self.danger = widgets.HTML(layout=widgets.Layout(display="none"))
        self.danger.add_class("apex-danger-banner")
        self.oms_id = oms_id
        super().__init__(children=[widgets.HBox([self.account, self.instrument]), self.danger])
        self.add_class("apex-scope")
        self.account.observe(self._mark_danger, names="value")

    @property
    def selection(self) -> tuple[Any, Any] | None:
        """``(account_id | ALL, instrument_id | ALL)`` once both are chosen, else None."""
        if self.account.value is None or self.instrument.value is None:
            return None
        return self.account.value, self.instrument.value

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever either picker changes."""
        for picker in (self.account, self.instrument):
            picker.observe(lambda _change: callback(), names="value")

    def select(self, account_id: object, instrument_id: object) -> None:
        """Choose a scope from code; refuses (ScopeError) ids that are not among the choices."""
        account = self._choice(self.account, check_id(account_id, "account_id"), "account")
        instrument = self._choice(self.instrument, check_id(instrument_id, "instrument_id"), "instrument")
        self.account.value = account
        self.instrument.value = instrument

    @staticmethod
    def _choice(picker: widgets.Dropdown, value: object, noun: str) -> object:
        values = [v for _label, v in picker.options if v is not None]
        if any(v is value or (v is not ALL and v == value) for v in values):
            return value
        if value is ALL and noun == "account":
            raise ScopeError("ALL accounts is offered only to an Operator; choose one of your accounts")
        known = ", ".join(str(v) for v in values if v is not ALL)
        raise ScopeError(f"{noun} {value} is not one of the choices ({known})")

    def _mark_danger(self, _change: object = None) -> None:
        if self.account.value is ALL:
            self.account.add_class("apex-danger")
            self.danger.value = hp.banner(hp.RED, f"DANGER: every order of EVERY ACCOUNT on OMS "
                                                  f"{hp.esc(self.oms_id)} is in this scope (CancelAllOrders "
                                                  "with AccountId 0).")
            self.danger.layout.display = "block"
        else:
            self.account.remove_class("apex-danger")
            self.danger.value = ""
            self.danger.layout.display = "none"
