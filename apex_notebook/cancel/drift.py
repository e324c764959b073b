"""The pre-send split: which orders are the targets, and how the scope drifted since the preview.

Used just before the send (``execute.py``) and again when a dead kernel's execution is reconciled
(``audit/reconcile.py``), from the journalled preview and pre-send snapshots.
"""

from __future__ import annotations

import pandas as pd

from apex_notebook.cancel.scope import CancelScope

__all__ = ["split_pre_send"]


def split_pre_send(scope: CancelScope, preview: pd.DataFrame, pre_send: pd.DataFrame, *, mode: str,
                   drift_accepted: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(targets, added, removed)`` from the preview and the pre-send snapshot of the scope.

    Targets are the previewed orders, plus (``cancel_all`` mode with drift accepted) the orders that
    entered the scope since the preview (``previewed=False``).
    """
    now_in = pre_send[scope.mask(pre_send)]
    planned = set(int(i) for i in preview["order_id"])
    current = set(int(i) for i in now_in["order_id"])
    added = now_in[~now_in["order_id"].isin(list(planned))].reset_index(drop=True)
    removed = preview[~preview["order_id"].isin(list(current))].reset_index(drop=True)
    targets = preview.assign(previewed=True)
    if drift_accepted and mode == "cancel_all" and len(added):
        targets = pd.concat([targets, added.assign(previewed=False)], ignore_index=True)
    return targets, added, removed
