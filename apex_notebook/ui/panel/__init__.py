"""``CancelPanel``: preview, confirm and execute a cancel from widgets; one module per part of it."""

from apex_notebook.ui.panel.panel import CancelPanel, PanelClient

__all__ = ["CancelPanel", "PanelClient"]
