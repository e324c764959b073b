"""DESIGN §2.5: the write-ahead, append-only journal (pure; no simulator)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from cancel_fakes import frame, mixed_records, result_for

from apex_notebook.audit.codec import SNAPSHOT_COLUMNS, decode_frame, encode_frame
from apex_notebook.audit.journal import Journal
from apex_notebook.wire.settings import safe_url

from .journal_samples import intent


def test_wal_and_full_sync(journal: Journal) -> None:
    assert journal._backend.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert journal._backend.connection.execute("PRAGMA synchronous").fetchone()[0] == 2


def test_intent_is_durable_and_visible_to_another_connection(journal: Journal) -> None:
    snap = frame(mixed_records())
    journal.begin("e1", intent(), {"preview": snap, "pre_send": snap})
    other = Journal(journal.path)  # what a new process would see
    latest = other.executions()
    assert list(latest["execution_id"]) == ["e1"] and latest.loc[0, "state"] == "in_flight"
    assert other.in_flight() == ["e1"]
    assert latest.loc[0, "reason"] == "runaway algo" and latest.loc[0, "operator"] == "alice"
    assert latest.loc[0, "payload"] == {"OMSId": 1, "AccountId": 9}


def test_state_changes_are_new_rows_and_latest_wins(journal: Journal) -> None:
    journal.begin("e1", intent(), {})
    journal.state("e1", "acked", ack={"status": "ok", "result": True, "errorcode": 0})
    journal.finish(result_for("e1"))
    history = journal.executions(all_states=True)
    assert list(history["state"]) == ["in_flight", "acked", "done"]
    assert (history["reason"] == "runaway algo").all()          # intent carried forward
    latest = journal.executions()
    assert len(latest) == 1 and latest.loc[0, "state"] == "done"
    ack: dict[str, Any] = latest.loc[0, "ack"]  # type: ignore[assignment]
    summary: dict[str, Any] = latest.loc[0, "summary"]  # type: ignore[assignment]
    assert ack["status"] == "ok"
    assert summary["canceled"] == 1 and summary["filled_before_cancel"] == 1
    assert journal.in_flight() == []
    assert "UTC" in str(latest["recorded_at"].dtype)
    assert latest["account_id"].dtype == "Int64"


def test_outcomes_read_back_typed(journal: Journal) -> None:
    journal.begin("e1", intent(), {})
    journal.finish(result_for("e1"))
    journal.begin("e2", intent(), {})
    journal.finish(result_for("e2"))
    out = journal.outcomes("e1")
    expected = result_for("e1").orders
    assert list(out.columns) == list(expected.columns)
    assert out.dtypes.equals(expected.dtypes)
    assert list(out["outcome"]) == ["canceled", "filled_before_cancel"]
    assert len(journal.outcomes()) == 4
    assert len(journal.outcomes("e1", kind="collateral")) == 0


def _cells(values: pd.Series) -> list[object]:
    """The cells of a column with every missing value as None (NaN != NaN)."""
    return [None if pd.isna(v) else v for v in values.tolist()]


def test_snapshots_round_trip_compactly(journal: Journal) -> None:
    snap = frame(mixed_records())
    journal.begin("e1", intent(), {"preview": snap.iloc[:5], "pre_send": snap})
    back = journal.snapshot("e1", "pre_send")
    assert list(back.columns) == list(SNAPSHOT_COLUMNS)
    for column in ("order_id", "account_id", "instrument_id", "price", "quantity", "receive_time"):
        assert _cells(back[column]) == _cells(snap[column])
    assert back["order_state"].tolist() == snap["order_state"].astype(str).tolist()
    assert len(journal.snapshot("e1", "preview")) == 5
    with pytest.raises(KeyError):
        journal.snapshot("e1", "post_verify")
    with pytest.raises(ValueError, match="phase"):
        journal.snapshot("e1", "later")
    assert len(encode_frame(snap)) < 4000
    assert len(decode_frame(encode_frame(snap.iloc[:0]))) == 0


def test_timeline_orders_events(journal: Journal) -> None:
    journal.begin("e1", intent(), {})
    journal.event("e1", "send", {"payload": {"OMSId": 1}})
    journal.state("e1", "acked", ack={"status": "ok"})
    journal.event("e1", "poll", {"poll": 1, "pending": 0})
    journal.finish(result_for("e1"))
    timeline = journal.timeline("e1")
    assert list(timeline["kind"]) == ["intent", "send", "acked", "poll", "done"]
    assert timeline["at"].is_monotonic_increasing
    assert timeline.loc[3, "detail"] == {"poll": 1, "pending": 0}


@pytest.mark.parametrize("table", ["executions", "outcomes", "snapshots", "events"])
def test_history_cannot_be_updated_or_deleted(journal: Journal, table: str) -> None:
    snap = frame(mixed_records())
    journal.begin("e1", intent(), {"preview": snap})
    journal.finish(result_for("e1"))
    raw = sqlite3.connect(journal.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute(f"UPDATE {table} SET execution_id = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute(f"DELETE FROM {table}")
    raw.close()
    assert journal.executions().loc[0, "execution_id"] == "e1"


def test_a_failed_step_leaves_no_half_written_rows(journal: Journal) -> None:
    with pytest.raises(AttributeError):
        journal.begin("e1", intent(), {"preview": "not a frame"})  # type: ignore[dict-item]
    assert journal.executions().empty and journal.timeline("e1").empty


def test_no_user_info_or_query_in_stored_urls(journal: Journal) -> None:
    assert safe_url("https://u:secret@host:8443/p?aptoken=abc#x") == "https://host:8443/p"
    journal.begin("e1", intent(), {})
    blob = Path(journal.path).read_bytes() + Path(journal.path + "-wal").read_bytes()
    assert b"pw@" not in blob and b"token=x" not in blob
    assert journal.executions().loc[0, "base_url"] == "http://apex.example:8080/ap"


def test_default_location_is_documented() -> None:
    import apex_notebook.audit.journal as module

    assert module.DEFAULT_PATH == "apex-journal.sqlite"
    assert "current working" in (module.__doc__ or "")
