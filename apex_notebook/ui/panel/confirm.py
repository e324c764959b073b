"""The panel's confirmation box: reason, mode, the typed phrase, and the Execute button.

:func:`execute_blockers` is the one rule for "may Execute run now?": it decides whether the button
is enabled, and the panel's ``execute()`` checks it again itself, because ``Button.click()`` fires
even on a disabled button.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from apex_notebook.cancel.plan import CancelPlan

__all__ = ["MODES", "ConfirmBox", "execute_blockers"]

#: (label, ``Client.execute(mode=...)``)
MODES = (
    ("CancelAllOrders (one request for the whole scope)", "cancel_all"),
    ("Exact (one CancelOrder per previewed order)", "exact"),
)


def execute_blockers(plan: CancelPlan | None, *, fresh: bool, reason: str, typed: str) -> list[str]:
    """Why Execute may not run now (empty list: it may). ``fresh``: the plan is unused and in scope."""
    if plan is None:
        return ["there is no plan: choose a scope and press Preview"]
    blockers = []
    if not fresh or plan.executed:
        blockers.append("this plan was already used or its scope changed: press Preview for a new plan")
    if not plan.executable:
        blockers.append(f"the gateway would refuse this plan ({plan.refusal})")
    if not reason.strip():
        blockers.append("give a reason (it goes into the journal)")
    if typed.strip() != plan.confirmation_phrase:
        blockers.append(f"type the confirmation phrase exactly: {plan.confirmation_phrase}")
    return blockers


class ConfirmBox(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Reason, mode, confirmation text, the danger-styled Execute button and a "why not" hint."""

    def __init__(self) -> None:
        wide = widgets.Layout(width="640px")
        self.reason = widgets.Text(description="Reason", placeholder="why are these orders being cancelled?",
                                   continuous_update=True, layout=wide)
        self.reason.add_class("apex-reason")
        self.mode = widgets.RadioButtons(options=list(MODES), value="cancel_all", description="Mode", layout=wide)
        self.mode.add_class("apex-mode")
        self.confirm = widgets.Text(description="Confirm", placeholder="preview first; then type the phrase",
                                    continuous_update=True, layout=wide)
        self.confirm.add_class("apex-confirm")
        self.execute_button = widgets.Button(description="Execute", button_style="danger", icon="bolt",
                                             disabled=True, tooltip="enabled once the plan is confirmed")
        self.execute_button.add_class("apex-execute")
        self.hint = widgets.HTML()
        self.hint.add_class("apex-execute-hint")
        super().__init__(children=[self.reason, self.mode, self.confirm,
                                   widgets.HBox([self.execute_button, self.hint])])
        self.add_class("apex-confirm-box")

    def on_input(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever the reason, the mode or the typed phrase changes."""
        for field in (self.reason, self.confirm, self.mode):
            field.observe(lambda _change: callback(), names="value")

    def expect(self, phrase: str | None) -> None:
        """Show the phrase to type (or none) and clear what was typed."""
        self.confirm.value = ""
        self.confirm.placeholder = phrase if phrase else "preview first; then type the phrase"

    def update(self, blockers: list[str], *, busy: bool) -> None:
        """Enable Execute only when nothing blocks it and the panel is idle."""
        self.execute_button.disabled = busy or bool(blockers)
        self.hint.value = ("" if not blockers else
                           "<span style='color:#555'>Execute is disabled: "
                           f"{html.escape(blockers[0])}</span>")
