"""``CancelPanel``: the confirm-and-execute panel (ipywidgets), the notebook face of preview/execute.

Flow: choose a scope -> Preview (a fresh snapshot, shown as the plan) -> give a reason, choose the
mode, type the plan's phrase -> Execute (once per plan) -> the verified result.

All logic lives in :meth:`CancelPanel.set_scope`, :meth:`CancelPanel.preview` and
:meth:`CancelPanel.execute`; the button callbacks are one-liners that route any exception to the
panel's error area. ``execute()`` re-checks every precondition itself, because ``Button.click()``
fires even on a disabled button. The panel holds no credential: it talks to an already connected
``Client``, and no widget state carries a password, secret or session token.

The parts, one UI concept per module: :mod:`~apex_notebook.ui.panel.scope_picker` (pickers),
:mod:`~apex_notebook.ui.panel.plan_view` (the plan), :mod:`~apex_notebook.ui.panel.confirm` (reason, mode,
phrase, Execute), :mod:`~apex_notebook.ui.panel.result_view` (the result), :mod:`~apex_notebook.ui.panel.error_area`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

import ipywidgets as widgets
import pandas as pd

from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.result import CancelResult
from apex_notebook.cancel.scope import CancelScope
from apex_notebook.ui.panel.confirm import ConfirmBox, execute_blockers
from apex_notebook.ui.panel.error_area import ErrorArea
from apex_notebook.ui.panel.plan_view import PlanView
from apex_notebook.ui.panel.result_view import ResultView
from apex_notebook.ui.panel.scope_picker import ScopePicker
from apex_notebook.wire.errors import DriftError, PlanError, ScopeError

__all__ = ["CancelPanel", "PanelClient"]

T = TypeVar("T")

_STYLE = """<style>
.apex-danger select, .apex-danger .widget-dropdown select { border: 2px solid #b00020 !important;
  color: #b00020 !important; font-weight: bold; }
.apex-orders-table { font-size: 12px; }
</style>"""


class PanelClient(Protocol):
    """What the panel needs from a client (``apex_notebook.Client`` provides it)."""

    oms_id: int
    username: str
    is_operator: bool

    def accounts(self) -> pd.DataFrame:
        """The accounts the user can see (``Client.accounts``)."""

    def instruments(self) -> pd.DataFrame:
        """The OMS instruments (``Client.instruments``)."""

    def preview(self, scope: CancelScope) -> CancelPlan:
        """A plan for ``scope`` (``Client.preview``)."""

    def execute(self, plan: CancelPlan, *, reason: str, confirm: str, mode: str = ...,
                journal: Any = ...) -> CancelResult:
        """Execute ``plan`` (``Client.execute``)."""


class CancelPanel(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Preview a cancel scope, confirm it deliberately, execute it once, and see what happened.

    ``CancelPanel(client, journal=None)``: ``journal`` is passed to ``client.execute``; when None,
    the client's own journal (if any) records the execution.
    """

    def __init__(self, client: PanelClient, journal: Any = None) -> None:
        self.client = client
        self.journal = journal
        self.plan: CancelPlan | None = None
        self.result: CancelResult | None = None
        self._plan_selection: tuple[Any, Any] | None = None
        self._used: set[str] = set()  # plan ids that had their one Execute
        self._busy = False
        self.errors = ErrorArea()
        load_error: Exception | None = None
        try:
            accounts, instruments = client.accounts(), client.instruments()
        except Exception as exc:  # shown in the panel below, never lost
            load_error = exc
            accounts = pd.DataFrame({"account_id": pd.array([], dtype="Int64")})
            instruments = pd.DataFrame({"instrument_id": pd.array([], dtype="Int64")})
        self.scope = ScopePicker(accounts, instruments, is_operator=bool(client.is_operator),
                                 oms_id=int(client.oms_id))
        self.preview_button = widgets.Button(description="Preview", icon="search", disabled=True,
                                             tooltip="take a fresh snapshot of the orders in scope")
        self.preview_button.add_class("apex-preview")
        self.progress_label = widgets.HTML()
        self.progress = widgets.HBox(
            [widgets.FloatProgress(value=1.0, min=0.0, max=1.0, bar_style="info"), self.progress_label],
            layout=widgets.Layout(display="none"))
        self.progress.add_class("apex-progress")
        self.output = widgets.Output()
        self.output.add_class("apex-output")
        self.plan_view = PlanView()
        self.confirm = ConfirmBox()
        self.result_view = ResultView()
        role = "Operator" if client.is_operator else ", ".join(sorted(getattr(client, "permissions", ())))
        status = widgets.HTML(f"<b>Cancel orders</b> &mdash; signed in as {_esc(client.username)} "
                              f"({_esc(role or 'no permissions')}), OMS {int(client.oms_id)}")
        status.add_class("apex-status")
        super().__init__(children=[widgets.HTML(_STYLE), status, self.scope, self.preview_button,
                                   self.progress, self.output, self.errors, self.plan_view, self.confirm,
                                   self.result_view])
        self.add_class("apex-panel")
        self.scope.on_change(self._scope_changed)
        self.confirm.on_input(self._refresh)
        self.preview_button.on_click(lambda _button: self._click(self.preview))
        self.confirm.execute_button.on_click(lambda _button: self._click(self.execute))
        if load_error is not None:
            self.errors.show(load_error, action="load")
        self._refresh()

    # -- state -----------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        """``choosing`` | ``ready`` | ``busy`` | ``planned`` | ``executed`` | ``failed``."""
        if self._busy:
            return "busy"
        if self.plan is not None:
            if self._fresh():
                return "planned"
            return "executed" if self.result is not None else "failed"
        return "ready" if self.scope.selection is not None else "choosing"

    def blockers(self) -> list[str]:
        """Why Execute may not run now (empty: it may)."""
        found = execute_blockers(self.plan, fresh=self._fresh(), reason=self.confirm.reason.value,
                                 typed=self.confirm.confirm.value)
        return ["the panel is busy", *found] if self._busy else found

    def _fresh(self) -> bool:
        return (self.plan is not None and self.plan.plan_id not in self._used
                and self.scope.selection == self._plan_selection)

    def _refresh(self) -> None:
        self.preview_button.disabled = self._busy or self.scope.selection is None
        self.confirm.update(self.blockers(), busy=self._busy)

    def _set_busy(self, message: str | None) -> None:
        self._busy = message is not None
        self.progress_label.value = f"<i>{_esc(message or '')}</i>"
        self.progress.layout.display = "flex" if self._busy else "none"
        self._refresh()

    def _scope_changed(self) -> None:
        if self.plan is not None and self.scope.selection != self._plan_selection:
            self.discard_plan()
        self._refresh()

    # -- actions -----------------------------------------------------------------------------------
    def set_scope(self, account_id: object, instrument_id: object) -> None:
        """Choose the scope from code (``apx.ALL`` for all); discards a plan of another scope."""
        with self._reporting("scope"):
            self.scope.select(account_id, instrument_id)

    def discard_plan(self) -> None:
        """Forget the current plan: Execute is disabled until the next preview."""
        self.plan = None
        self._plan_selection = None
        self.plan_view.clear()
        self.confirm.expect(None)
        self._refresh()

    def preview(self) -> CancelPlan:
        """Take a fresh snapshot of the chosen scope and show the plan."""
        with self._reporting("preview"):
            selection = self.scope.selection
            if selection is None:
                raise ScopeError("choose an account and an instrument first (ALL must be chosen explicitly)")
            scope = CancelScope(account_id=selection[0], instrument_id=selection[1],
                                oms_id=int(self.client.oms_id))
            self.discard_plan()
            self.result = None
            self.result_view.clear()
            self._set_busy("Taking a snapshot of the open orders in scope...")
            try:
                with self.output:
                    plan = self.client.preview(scope)
            finally:
                self._set_busy(None)
            self.plan, self._plan_selection = plan, selection
            self.plan_view.show(plan)
            self.confirm.expect(plan.confirmation_phrase)
            return plan
        raise AssertionError("unreachable")  # pragma: no cover  (_reporting re-raises)

    def execute(self) -> CancelResult:
        """Execute the current plan, once, if every precondition holds; show the verified result."""
        with self._reporting("execute"):
            blockers = self.blockers()
            if blockers or self.plan is None:
                raise PlanError("Execute is blocked: " + "; ".join(blockers))
            plan = self.plan
            self._used.add(plan.plan_id)  # one click per plan, whatever happens next
            self._set_busy("Sending the cancel and verifying every order...")
            try:
                with self.output:
                    result = self.client.execute(plan, reason=self.confirm.reason.value.strip(),
                                                 confirm=self.confirm.confirm.value.strip(),
                                                 mode=str(self.confirm.mode.value), journal=self.journal)
            except DriftError:
                self.discard_plan()
                raise
            except Exception as exc:
                if plan.executed:  # a gateway error after the send carries the verified result
                    self.plan_view.mark_executed()
                    self._show_result(getattr(exc, "cancel_result", None))
                else:  # stopped before the intent was journalled: nothing left (DESIGN §2.5)
                    self.plan_view.mark_not_sent()
                    self.errors.show(exc, action="execute", sent=False)
                raise
            finally:
                self._set_busy(None)
            self.plan_view.mark_executed()
            self._show_result(result)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _show_result(self, result: object) -> None:
        if isinstance(result, CancelResult):
            self.result = result
            journal = self.journal if self.journal is not None else getattr(self.client, "journal", None)
            self.result_view.show(result, journal=journal)

    # -- error routing -------------------------------------------------------------------------------
    @contextmanager
    def _reporting(self, action: str) -> Iterator[None]:
        """Clear old errors; show any new one in the panel, then re-raise it to the caller."""
        self.errors.clear()
        try:
            yield
        except Exception as exc:
            self.errors.show(exc, action=action)
            raise
        finally:
            self._refresh()

    def _click(self, method: Callable[[], T]) -> None:
        """Run a button's method; its exception is already in the error area (show is idempotent)."""
        try:
            method()
        except Exception as exc:
            self.errors.show(exc)


def _esc(text: object) -> str:
    return html.escape(str(text))
