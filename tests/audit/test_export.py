"""Exports of one execution (issue 14 item 3): one file per table, structured cells as JSON, stable column
names and types, read back from CSV and Parquet; collateral rows carry their price and notional."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from cli.incident import Incident, replay_incident

from apex_notebook.audit import export
from apex_notebook.audit.export import SCHEMAS, read_export
from apex_notebook.audit.journal import Journal

STEMS = ["execution", "outcomes", "snapshot-preview", "snapshot-pre_send", "snapshot-post_verify",
         "snapshot-collateral", "snapshot-unplanned", "timeline", "refusals"]


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory) -> Incident:
    return replay_incident(tmp_path_factory.mktemp("incident") / "journal.sqlite")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_table_reads_back_with_its_documented_types(incident: Incident, tmp_path: Path, fmt: str) -> None:
    with Journal(incident.path) as journal:
        paths = journal.export(incident.execution_id, tmp_path / "out", format=fmt)
        outcomes = {k: journal.outcomes(incident.execution_id, kind=k) for k in ("target", "unplanned", "collateral")}
    assert [p.name for p in paths] == [f"{stem}.{fmt}" for stem in STEMS]
    for path in paths:
        frame = read_export(path)
        schema = SCHEMAS["snapshot" if path.stem.startswith("snapshot-") else path.stem]
        assert list(frame.columns) == list(schema)
        assert {c: str(t) for c, t in frame.dtypes.items()} == schema
    back = read_export(tmp_path / "out" / f"outcomes.{fmt}")
    for kind, frame in outcomes.items():
        mine = back[back["kind"] == kind]
        assert sorted(mine["order_id"]) == sorted(frame["order_id"])
    assert (back["execution_id"] == incident.execution_id).all()


def test_parquet_files_carry_real_types(incident: Incident, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    with Journal(incident.path) as journal:
        journal.export(incident.execution_id, tmp_path, format="parquet")
    schema = pq.read_schema(tmp_path / "outcomes.parquet")
    assert str(schema.field("order_id").type) == "int64"
    assert str(schema.field("notional").type) == "double"
    assert str(schema.field("previewed").type) == "bool"
    assert str(schema.field("verified_at").type) == "timestamp[ns, tz=UTC]"
    assert str(schema.field("symbol").type) in {"string", "large_string"}


def test_structured_cells_are_json_not_python_reprs(incident: Incident, tmp_path: Path) -> None:
    with Journal(incident.path) as journal:
        journal.export(incident.execution_id, tmp_path)
    raw = pd.read_csv(tmp_path / "execution.csv", dtype="object", keep_default_na=False)
    done = raw[raw["state"] == "done"].iloc[0]
    summary = json.loads(done["summary_json"])
    assert summary["unplanned"] >= 1 and json.loads(done["payload_json"])["AccountId"] == 9
    assert json.loads(done["ack_json"])["status"] == "ok"
    assert "{'" not in (tmp_path / "execution.csv").read_text()
    assert done["scope_text"] == "every order of account 9 on OMS 1, instrument BTCUSD (1)"  # whole, not cut
    timeline = pd.read_csv(tmp_path / "timeline.csv", dtype="object", keep_default_na=False)
    assert all(isinstance(json.loads(cell), dict) for cell in timeline["detail_json"] if cell)
    refusals = pd.read_csv(tmp_path / "refusals.csv", dtype="object", keep_default_na=False)
    assert json.loads(refusals["drift_added_ids"].iloc[0]) == []


def test_collateral_rows_have_prices_and_notional(incident: Incident, tmp_path: Path) -> None:
    with Journal(incident.path) as journal:
        journal.export(incident.execution_id, tmp_path)
        snapshot = journal.snapshot(incident.execution_id, "collateral").set_index("order_id")
    outcomes = read_export(tmp_path / "outcomes.csv")
    collateral = outcomes[outcomes["kind"] == "collateral"].set_index("order_id")
    assert len(collateral) and collateral["quote_currency"].notna().all()
    price = snapshot["price"].fillna(snapshot["stop_price"]).reindex(collateral.index)
    assert collateral["price"].tolist() == price.tolist()
    expected = price * (collateral["orig_quantity"] - collateral["quantity_executed"])
    assert collateral["notional"].round(9).tolist() == expected.round(9).tolist()


def test_bad_format_and_missing_pyarrow_say_what_to_do(incident: Incident, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    with Journal(incident.path) as journal:
        with pytest.raises(ValueError, match="format must be one of"):
            journal.export(incident.execution_id, tmp_path / "x", format="xlsx")
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        monkeypatch.setattr(export.importlib.util, "find_spec", lambda name: None)
        with pytest.raises(ImportError, match="pip install pyarrow"):
            journal.export(incident.execution_id, tmp_path / "y", format="parquet")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
