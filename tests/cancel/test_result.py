"""CancelResult, its schema and its FIX-like summary (pure)."""

from __future__ import annotations

import pandas as pd
from cancel_fakes import result_for

from apex_notebook.cancel.result import (
    OUTCOMES,
    RESULT_SCHEMA,
    CancelResult,
    empty_result_frame,
    outcome_for,
    summarise,
)


def test_outcome_mapping() -> None:
    assert outcome_for("Canceled") == "canceled"
    assert outcome_for("FullyExecuted") == "filled_before_cancel"
    assert outcome_for("Working") == "still_open"
    for other in ("Expired", "Rejected", None, ""):
        assert outcome_for(other) == "unknown"


def test_empty_result_frame_has_the_schema() -> None:
    empty = empty_result_frame()
    assert list(empty.columns) == list(RESULT_SCHEMA)
    assert len(empty) == 0
    assert list(empty["outcome"].cat.categories) == list(OUTCOMES)
    assert str(empty["verified_at"].dtype) == "datetime64[ns, UTC]"


def test_summary_counts_like_a_mass_cancel_report() -> None:
    result = result_for("e1")
    s = result.summary
    assert (s["previewed"], s["affected"], s["canceled"], s["filled_before_cancel"], s["still_open"],
            s["unknown"], s["collateral"]) == (2, 1, 1, 1, 0, 0, 0)
    assert s["ack_status"] == "ok" and s["mode"] == "cancel_all" and s["drift_accepted"] is False
    assert result.ok
    assert "canceled 1" in repr(result)
    page = result._repr_html_()
    assert "filled_before_cancel" in page and "COLLATERAL" not in page


def test_collateral_is_loud_and_not_ok() -> None:
    base = result_for("e1")
    collateral = base.orders.iloc[:1].assign(previewed=False)
    summary = summarise(base.orders, collateral, ack={"status": "ok"}, mode="cancel_all",
                        drift={"accepted": True, "added": 1}, stats={}, timings={})
    result = CancelResult("e1", base.orders, collateral, summary, "x")
    assert summary["collateral"] == 1 and summary["affected"] == 2 and summary["drift_accepted"]
    assert not result.ok and "COLLATERAL" in result._repr_html_()


def test_unknown_ack_is_shown() -> None:
    base = result_for("e1")
    ack = {"status": "unknown", "errormsg": "TransportError"}
    summary = summarise(base.orders, empty_result_frame(), ack=ack, mode="cancel_all", drift={}, stats={},
                        timings={})
    result = CancelResult("e1", base.orders, empty_result_frame(), summary)
    assert not result.ok and "TransportError" in result._repr_html_()
    assert isinstance(result.orders, pd.DataFrame)
