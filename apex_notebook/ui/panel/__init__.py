"""``CancelPanel``: preview, confirm and execute a cancel from widgets; one module per part of it."""

from apex_notebook.ui.panel.panel import CancelPanel
from apex_notebook.ui.panel.protocol import PanelClient

__all__ = ["CancelPanel", "PanelClient"]
