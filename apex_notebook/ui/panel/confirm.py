"""The panel's confirmation box: the phrase to type, reason, mode, and the Execute button.

:func:`execute_blockers` is the one rule for "may Execute run now?": it decides whether the button
is enabled, and the panel's ``execute()`` checks it again itself, because ``Button.click()`` fires
even on a disabled button. The blockers are plain clauses ("give a reason ..."); the banner adds the
one title ("Execute blocked"), so no message ever doubles its prefix.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from apex_notebook.cancel.plan import CancelPlan

__all__ = ["MODES", "ConfirmBox", "execute_blockers"]

#: (label, ``Client.execute(mode=...)``)
MODES = (
    ("CancelAllOrders (one request)", "cancel_all"),
    ("Exact (one CancelOrder per order)", "exact"),
)


def execute_blockers(plan: CancelPlan | None, *, fresh: bool, reason: str, typed: str) -> list[str]:
    """Why Execute may not run now (empty list: it may). ``fresh``: the plan is unused and in scope."""
    if plan is None:
        return ["there is no plan: choose a scope and press Preview"]
    if not plan.executable:
        return [f"this plan cannot run ({plan.refusal})"]
    blockers = []
    if not fresh or plan.executed:
        blockers.append("this plan was already used or its scope changed: press Preview for a new plan")
    if not reason.strip():
        blockers.append("give a reason (it goes into the journal)")
    if typed.strip() != plan.confirmation_phrase:
        mismatch = "the typed phrase does not match; " if typed.strip() else ""
        blockers.append(f"{mismatch}type exactly: {plan.confirmation_phrase}")
    return blockers


class ConfirmBox(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """The phrase, reason, mode, confirmation text, the danger-styled Execute button and a "why not" hint."""

    def __init__(self) -> None:
        wide = widgets.Layout(width="600px")
        self.phrase = widgets.HTML()
        self.phrase.add_class("apex-plan-phrase")
        self.reason = widgets.Text(description="Reason", placeholder="why are these orders being cancelled?",
                                   continuous_update=True, layout=wide)
        self.reason.add_class("apex-reason")
        self.mode = widgets.ToggleButtons(options=list(MODES), value="cancel_all",
                                          style={"button_width": "auto"},
                                          tooltips=["CancelAllOrders with the scope's AccountId/InstrumentId",
                                                    "one CancelOrder per previewed order"])
        self.mode.add_class("apex-mode")
        self.confirm = widgets.Text(description="Confirm", placeholder="preview first; then type the phrase",
                                    continuous_update=True, layout=wide)
        self.confirm.add_class("apex-confirm")
        self.execute_button = widgets.Button(description="Execute", button_style="danger", icon="bolt",
                                             disabled=True, tooltip="enabled once the plan is confirmed")
        self.execute_button.add_class("apex-execute")
        self.hint = widgets.HTML()
        self.hint.add_class("apex-execute-hint")
        super().__init__(children=[self.phrase, self.reason, self.mode,
                                   widgets.HBox([self.confirm, self.execute_button]), self.hint])
        self.add_class("apex-confirm-box")

    def on_input(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever the reason, the mode or the typed phrase changes."""
        for field in (self.reason, self.confirm, self.mode):
            field.observe(lambda _change: callback(), names="value")

    def expect(self, plan: CancelPlan | None) -> None:
        """Show the phrase of ``plan`` (none for no plan or one that cannot run); clear reason and phrase."""
        self.confirm.value = ""
        self.reason.value = ""
        runnable = plan is not None and plan.executable
        self.confirm.placeholder = plan.confirmation_phrase if runnable and plan else (
            "this plan cannot run" if plan is not None else "preview first; then type the phrase")
        self.reason.disabled = self.confirm.disabled = self.mode.disabled = plan is not None and not runnable
        if runnable and plan is not None:
            self.phrase.value = ("<div>To execute, type exactly: <code class='apex-phrase-value' "
                                 f"style='font-weight:bold'>{html.escape(plan.confirmation_phrase)}</code></div>")
        else:
            self.phrase.value = ""

    def mark(self, words: str) -> None:
        """Replace the phrase line with ``words`` (the plan was used, or stopped before sending)."""
        self.phrase.value = f"<div class='apex-plan-used'><b>{html.escape(words)}</b></div>"

    def update(self, blockers: list[str], *, busy: bool) -> None:
        """Enable Execute only when nothing blocks it and the panel is idle."""
        self.execute_button.disabled = busy or bool(blockers)
        loud = bool(blockers) and "does not match" in blockers[0]  # a typo in the phrase is worth seeing
        style = "color:#8a4b00;font-weight:bold" if loud else "color:#555"
        self.hint.value = ("" if not blockers else
                           f"<span style='{style}'>Execute is disabled: {html.escape(blockers[0])}</span>")
