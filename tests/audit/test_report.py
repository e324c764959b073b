"""The post-mortem report (issue 14 item 1): every section present and right for a replayed incident with
unplanned and collateral orders, fills and a refused attempt; self-contained, escaped, printable."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from cli.incident import REASON, Incident, replay_incident

from apex_notebook.audit.journal import Journal
from apex_notebook.audit.report_facts import gather
from apex_notebook.frames.display import money_text, notional_by_currency

SECTIONS = ("who", "plan", "timeline", "outcomes", "filled", "survived", "refused", "integrity", "reproduce")


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory) -> Incident:
    return replay_incident(tmp_path_factory.mktemp("incident") / "journal.sqlite", executions=2)


@pytest.fixture(scope="module")
def html(incident: Incident) -> str:
    with Journal(incident.path) as journal:
        return journal.report(incident.execution_id)


def _section(html: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}".*?</section>', html, re.S)
    assert found, f"section {anchor} missing"
    return found.group(0)


def test_every_section_is_present_with_the_verified_outcome_first(incident: Incident, html: str) -> None:
    for anchor in SECTIONS:
        _section(html, anchor)
    with Journal(incident.path) as journal:
        summary = journal.executions().set_index("execution_id").loc[incident.execution_id, "summary"]
    assert summary["unplanned"] >= 1 and summary["collateral"] >= 1 and summary["filled_before_cancel"] >= 1
    assert f"NOT OK: {summary['unplanned']} unplanned, {summary['collateral']} collateral" in html
    who = _section(html, "who")
    assert "alice (risk desk)" in who and "http://apex-sim.local" in who and "ops" in who


def test_who_why_and_every_value_is_escaped(html: str) -> None:
    assert "<script" not in html.lower()
    assert "runaway algo &lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in html
    assert REASON not in html
    assert "demo" not in html  # the simulator password never reaches the journal, so never the report


def test_plan_gives_notional_per_quote_currency_from_the_preview(incident: Incident, html: str) -> None:
    with Journal(incident.path) as journal:
        preview = journal.snapshot(incident.execution_id, "preview")
    assert preview["quote_currency"].notna().all()
    plan = _section(html, "plan")
    assert money_text(notional_by_currency(preview), {"USD": 2}) in plan
    assert "every order of account 9 on OMS 1, instrument BTCUSD (1)" in plan


def test_outcome_tables_list_targets_unplanned_and_collateral_with_prices(incident: Incident, html: str) -> None:
    section = _section(html, "outcomes")
    with Journal(incident.path) as journal:
        facts = gather(journal, incident.execution_id)
    for kind in ("target", "unplanned", "collateral"):
        frame = facts.outcomes[kind]
        assert len(frame)
        for order_id in frame["order_id"]:
            assert f">{order_id}<" in section
    assert set(facts.outcomes["unplanned"]["order_id"]) <= set(incident.runaway_ids)
    collateral = facts.outcomes["collateral"]
    assert collateral["price"].notna().all() and collateral["notional"].gt(0).all()
    assert (collateral["price_source"] == "collateral").all()
    # never one sum across currencies: each currency's total is said on its own
    per_currency = collateral.groupby("quote_currency")["notional"].sum()
    assert len(per_currency) >= 2
    usd = per_currency.get("USD")
    assert usd is not None and f"{usd:,.2f} USD" in section
    assert f"{collateral['notional'].sum():,.2f}" not in section


def test_timeline_is_a_figure_with_readable_lanes_and_every_event(incident: Incident, html: str) -> None:
    section = _section(html, "timeline")
    assert section.count("<svg") == 1
    for lane in ("intent journalled", "request sent", "acknowledgement", "verification polls", "done"):
        assert f">{lane}</text>" in section
    with Journal(incident.path) as journal:
        events = journal.timeline(incident.execution_id)
    assert section.count("<tr>") == len(events) + 1
    assert "CancelAllOrders {&quot;AccountId&quot;: 9" in section


def test_filled_first_survived_and_refused(incident: Incident, html: str) -> None:
    with Journal(incident.path) as journal:
        targets = journal.outcomes(incident.execution_id)
    filled = targets[targets["outcome"] == "filled_before_cancel"]
    (order,) = filled.itertuples()
    section = _section(html, "filled")
    assert "1 target order filled before the cancel: 0.1491 BTCUSD executed" in section
    assert f">{order.order_id}<" in section
    survived = _section(html, "survived")
    assert "Open orders before the send and after verification" in survived and "account 9 · BTCUSD" in survived
    assert f"Late arrivals: {len(incident.late_ids)} open after verification" in survived and incident.late_ids
    for order_id in incident.late_ids:
        assert f">{order_id}<" in survived
    assert "&lt;NA&gt;" not in survived and "<NA>" not in survived  # symbols filled in from the other snapshots
    refused = _section(html, "refused")
    assert "Refused attempts before it: 1" in refused and "the confirmation does not match" in refused


def test_integrity_and_how_to_reproduce(incident: Incident, html: str) -> None:
    assert "intact" in _section(html, "integrity")
    reproduce = _section(html, "reproduce")
    assert str(incident.path) in reproduce and incident.execution_id in reproduce


def test_self_contained_no_external_assets(html: str) -> None:
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
    assert "<link" not in html and "@import" not in html and "<script" not in html
    assert "@media print" in html and "size: A4" in html


def test_a_tampered_journal_is_reported_as_such(incident: Incident, tmp_path: Path) -> None:
    copy = tmp_path / "tampered.sqlite"
    shutil.copy(incident.path, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("DROP TRIGGER outcomes_no_update")
        conn.execute("UPDATE outcomes SET outcome = 'still_open' WHERE rowid = 1")
    with Journal(copy) as journal:
        html = journal.report(incident.execution_id)
    integrity = _section(html, "integrity")
    assert "verdict bad" in integrity and "outcomes" in integrity


def test_several_executions_and_a_written_file(incident: Incident, tmp_path: Path) -> None:
    with Journal(incident.path) as journal:
        ids = list(journal.executions()["execution_id"])
        since = journal.executions(all_states=True)["recorded_at"].min() - pd.Timedelta(seconds=1)
        html = journal.report(since=since, path=tmp_path / "out" / "all.html")
        assert journal.report(ids).count("<article") == 2
        with pytest.raises(KeyError, match="no execution 'nope'"):
            journal.report("nope")
    assert (tmp_path / "out" / "all.html").read_text(encoding="utf-8") == html
    assert "2 executions" in html and all(f'id="x-{eid}"' in html for eid in ids)


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium")
def test_chromium_renders_and_prints_the_report(html: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    flags = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"]
    subprocess.run([*flags, f"--screenshot={tmp_path / 'r.png'}", "--window-size=1200,3000", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    subprocess.run([*flags, f"--print-to-pdf={tmp_path / 'r.pdf'}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 3  # sections start on new A4 pages
