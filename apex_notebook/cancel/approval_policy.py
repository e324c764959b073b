"""Which cancel plans need a second person's approval: :class:`ApprovalPolicy` (DESIGN §7, four eyes).

A desk's policy names the dangerous plans; any one rule that matches makes a plan need approval:

* ``all_accounts=True`` -- a scope over ``ALL`` accounts of the OMS;
* ``max_orders=N`` -- a plan of more than ``N`` orders;
* ``max_notional={"USD": 1_000_000, "BTC": 10}`` -- a plan whose notional in one quote currency is over
  that currency's amount (per currency, never summed across currencies; a currency not named has no
  limit).

The policy is kept in the journal (``Journal.set_policy``, ``audit/approvals.py``), so every notebook on
one journal applies the same one. :class:`ApprovalRecord` is what the journal answers about the
approvals of one plan; ``approval_gate.py`` decides with both.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from apex_notebook.cancel.plan import CancelPlan

__all__ = ["ApprovalPolicy", "ApprovalRecord"]


def _limits(value: Mapping[str, Any]) -> dict[str, float]:
    """``{"usd": 5}`` -> ``{"USD": 5.0}``; a limit that is not a finite number >= 0 is a ValueError."""
    out: dict[str, float] = {}
    for currency, amount in value.items():
        if isinstance(amount, bool) or not isinstance(amount, int | float) or not math.isfinite(amount) or amount < 0:
            raise ValueError(f"max_notional[{currency!r}] must be a finite number >= 0, not {amount!r}")
        out[str(currency).strip().upper()] = float(amount)
    return out


@dataclass(frozen=True)
class ApprovalPolicy:
    """Which plans need approval by a second user (see the module docstring); the default needs none."""

    all_accounts: bool = False
    max_orders: int | None = None
    max_notional: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.all_accounts, bool):
            raise ValueError(f"all_accounts must be True or False, not {self.all_accounts!r}")
        if self.max_orders is not None and (isinstance(self.max_orders, bool) or not isinstance(self.max_orders, int)
                                            or self.max_orders < 0):
            raise ValueError(f"max_orders must be a whole number >= 0 or None, not {self.max_orders!r}")
        if not isinstance(self.max_notional, Mapping):
            raise ValueError(f"max_notional must be a dict currency -> amount, not {self.max_notional!r}")
        object.__setattr__(self, "max_notional", _limits(self.max_notional))

    @property
    def empty(self) -> bool:
        """True when no rule is set: no plan needs approval."""
        return not self.all_accounts and self.max_orders is None and not self.max_notional

    def reasons(self, plan: CancelPlan) -> list[str]:
        """Why ``plan`` needs approval under this policy, one sentence per matching rule (empty: it does not)."""
        found: list[str] = []
        if self.all_accounts and plan.scope.all_accounts:
            found.append("its scope is ALL accounts of the OMS")
        if self.max_orders is not None and plan.count > self.max_orders:
            found.append(f"it cancels {plan.count} orders (the policy allows {self.max_orders} without approval)")
        notional: pd.Series = plan.notional_by_currency
        for currency, amount in notional.items():
            limit = self.max_notional.get(str(currency).upper())
            if limit is not None and float(amount) > limit:
                found.append(f"its {currency} notional {float(amount):,.2f} is over {limit:,.2f} {currency}")
        return found

    def to_json(self) -> str:
        """The policy as sorted JSON (what the journal stores)."""
        return json.dumps({"all_accounts": self.all_accounts, "max_orders": self.max_orders,
                           "max_notional": dict(self.max_notional)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ApprovalPolicy:
        """Inverse of :meth:`to_json`."""
        data = json.loads(text)
        return cls(all_accounts=bool(data.get("all_accounts", False)), max_orders=data.get("max_orders"),
                   max_notional=data.get("max_notional") or {})

    def describe(self) -> str:
        """The rules in words, e.g. ``ALL-accounts scopes; over 100 orders; over 1,000,000.00 USD``."""
        if self.empty:
            return "no plan needs approval"
        parts = ["ALL-accounts scopes"] if self.all_accounts else []
        if self.max_orders is not None:
            parts.append(f"over {self.max_orders} orders")
        parts += [f"over {amount:,.2f} {currency}" for currency, amount in sorted(self.max_notional.items())]
        return "approval needed for: " + "; ".join(parts)


@dataclass(frozen=True)
class ApprovalRecord:
    """One approval request for a plan's fingerprint and scope, as the journal knows it.

    ``state`` is ``pending``, ``approved`` or ``rejected``; ``decided_by`` the approver (or rejecter);
    ``spent`` is True once an execution of this fingerprint and scope was journalled after the approval
    (an approval releases one execution).
    """

    request_id: str
    state: str
    submitted_by: str
    decided_by: str | None = None
    reason: str | None = None
    spent: bool = False
